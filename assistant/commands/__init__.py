"""CLI subcommands, one module per group; each exposes ``register(subparsers)``.

They call the same core API as the window does.
"""
