"""The Textual app and the command line of linreg-tui."""

__version__ = "0.1.0"
