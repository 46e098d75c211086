"""tuichat: a fast, keyboard-driven terminal XMPP chat client."""

__version__ = "0.1.0"
