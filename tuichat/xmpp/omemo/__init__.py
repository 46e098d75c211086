"""End-to-end encryption (OMEMO, XEP-0384): the engine around python-omemo and slixmpp-omemo.

Imported only after the first frame, and only for accounts that use OMEMO (``slixmpp_omemo``
costs about 1.2 s and 34 MiB to import).
"""
