"""The version, in a module of its own so nothing below the package root imports the root for it."""

__version__ = "0.1.0"
