"""tuichat: a fast, keyboard-driven terminal XMPP chat client."""

from tuichat import codecache, patterncache

__version__ = "0.1.0"

patterncache.install()  # before Textual's and Rich's modules compile their patterns
codecache.install()  # before any other module of ours defines a dataclass
