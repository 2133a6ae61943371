"""The leaf every package may import: the database base and engine, logging,
and the outbox row.  It imports no package of kontakt (checked by
``tests/test_purity.py``)."""
