"""Hearth's core: everything the GUI and the CLI share. Never imports Qt."""
