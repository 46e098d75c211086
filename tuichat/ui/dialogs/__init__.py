"""Provides the modal dialogs the commands open: pickers, the quick switcher, search, forms."""
