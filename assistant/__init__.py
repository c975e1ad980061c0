"""Hearth: a private AI assistant that lives on your desktop."""

__version__ = "0.1.0"
