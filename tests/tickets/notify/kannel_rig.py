"""A private Kannel for the notification tests: kontakt's own
``kontakt.channels.kannel_box`` (bearerbox + smsbox + fakesmsc as the SMSC,
generated config on free ports in a temp dir, ``received()`` reading what
the fake SMSC got, ``stop()`` ending every process it started).
"""

from __future__ import annotations

from pathlib import Path

from kontakt.channels.kannel_box import (
    PASSWORD,
    USERNAME,
    KannelBox,
    Sms,
    free_port,
    kannel_missing,
)

__all__ = ["PASSWORD", "USERNAME", "KannelRig", "Sms", "free_port", "kannel_missing"]

# The notification tests only send: citizens' SMS (the box's sms-service)
# would go to a port nothing listens on.
_NO_KONTAKT = "http://127.0.0.1:9/sms"


class KannelRig(KannelBox):
    def __init__(self, workdir: Path, sendsms_port: int | None = None) -> None:
        super().__init__(workdir, _NO_KONTAKT, sendsms_port=sendsms_port)
