"""Request and response bodies: ``XCreate`` / ``XUpdate`` in, ``XRead`` out; never ORM rows."""
