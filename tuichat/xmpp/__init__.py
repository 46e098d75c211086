"""Provides the XMPP layer: connection manager, sessions and protocol features."""
