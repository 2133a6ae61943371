"""Citizens' personal data: who may see it (``visibility``), the append-only
audit log of every read and export (``audit``), anonymisation after the
retention period and on a citizen's request (``anonymise``, ``retention``),
and a citizen's export (``citizen``)."""
