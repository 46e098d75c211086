"""tuichat: a fast, keyboard-driven terminal XMPP chat client."""

from tuichat import codecache

__version__ = "0.1.0"

codecache.install()  # before any other module of ours defines a dataclass
