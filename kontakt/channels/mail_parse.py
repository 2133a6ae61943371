"""A citizen's e-mail as kontakt keeps it: sender, subject, text and the
attachments, checked against the limits; anything kontakt cannot keep
faithfully is refused with an SMTP reply that says why (the sender's mail
server returns it to the citizen: nothing is taken and then dropped).

Refused: a message that does not parse, a text part in an unknown charset
or with bytes that are not of its charset, undecodable header bytes, an
attachment of a type not on the allow-list or over the size limit, more
than ``MAX_ATTACHMENTS`` attachments.  HTML-only messages keep their text
(tags removed).
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart
from email.utils import parseaddr

from kontakt.channels.store import Attachment

MAX_ATTACHMENTS = 10
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


class MailRefused(Exception):
    """``code`` stable, ``reply`` the SMTP answer (``550 5.6.0 ...``)."""

    def __init__(self, code: str, reply: str) -> None:
        super().__init__(reply)
        self.code, self.reply = code, reply


@dataclass(frozen=True)
class MailLimits:
    attachment_max_bytes: int = 5_000_000
    attachment_types: tuple[str, ...] = ("image/jpeg", "image/png", "application/pdf",
                                         "text/plain")


@dataclass(frozen=True)
class Mail:
    sender: str  # the From address, lower case
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = str(msg.get(name, "") or "")
    except Exception:  # a malformed encoded-word the header parser gives up on
        raise MailRefused("email.bad_header", f"550 5.6.0 the {name} header cannot be read"
                          ) from None
    if _SURROGATE.search(value):
        raise MailRefused("email.bad_header",
                          f"550 5.6.0 the {name} header has bytes that are not text; "
                          "encode it (RFC 2047)")
    return " ".join(value.split())


def _text_of(part: MIMEPart) -> str:
    charset = part.get_content_charset() or "us-ascii"
    raw = _payload(part)
    try:
        text = raw.decode(charset)
    except LookupError:
        raise MailRefused("email.bad_charset",
                          f"550 5.6.0 unknown charset {charset[:40]!r}; send UTF-8") from None
    except UnicodeDecodeError:
        raise MailRefused("email.bad_encoding",
                          f"550 5.6.0 the text is not valid {charset[:40]}; send UTF-8") from None
    if part.get_content_subtype() == "html":
        text = html.unescape(_TAGS.sub(" ", text))
    return text.replace("\r\n", "\n").strip()


def parse(content: bytes, envelope_from: str, limits: MailLimits = MailLimits()) -> Mail:
    head = re.split(rb"\r?\n\r?\n", content, maxsplit=1)[0]
    try:
        head.decode("utf-8")  # RFC 6532: raw header bytes, if any, are UTF-8
    except UnicodeDecodeError:
        raise MailRefused("email.bad_header", "550 5.6.0 a header has bytes that are not "
                          "UTF-8; encode it (RFC 2047)") from None
    try:
        msg = email.message_from_bytes(content, policy=email.policy.default)
    except Exception:
        raise MailRefused("email.unreadable", "550 5.6.0 the message cannot be read") from None
    assert isinstance(msg, EmailMessage)
    sender = parseaddr(_header(msg, "From"))[1] or envelope_from
    sender = sender.strip().lower()
    if "@" not in sender or len(sender) > 254:
        raise MailRefused("email.no_sender", "550 5.1.7 no sender address to answer")
    subject = _header(msg, "Subject")[:300]
    body = msg.get_body(preferencelist=("plain", "html"))
    text = _text_of(body) if isinstance(body, MIMEPart) else ""
    attachments = []
    for part in msg.iter_parts() if msg.is_multipart() else ():
        attachments.extend(_attachments(part, body, limits))
    if len(attachments) > MAX_ATTACHMENTS:
        raise MailRefused("email.too_many_attachments",
                          f"552 5.3.4 at most {MAX_ATTACHMENTS} attachments")
    if not text and not subject and not attachments:
        raise MailRefused("email.empty", "550 5.6.0 the message is empty")
    return Mail(sender, subject, text, tuple(attachments),
                _header(msg, "Message-ID")[:200] or None)


def _attachments(part: MIMEPart, body: object, limits: MailLimits) -> list[Attachment]:
    if part is body:
        return []
    if part.is_multipart():
        out: list[Attachment] = []
        for sub in part.iter_parts():
            out.extend(_attachments(sub, body, limits))
        return out
    ctype = part.get_content_type().lower()
    if ctype in ("text/plain", "text/html") and not part.is_attachment():
        return []  # the other alternative of the text
    name = _safe_name(part.get_filename() or f"prilog.{part.get_content_subtype()}")
    if ctype not in limits.attachment_types:
        raise MailRefused("email.attachment_type",
                          f"554 5.6.1 attachment {name!r}: type {ctype} is not accepted "
                          f"({', '.join(limits.attachment_types)})")
    data = _payload(part)
    if len(data) > limits.attachment_max_bytes:
        raise MailRefused("email.attachment_size",
                          f"552 5.3.4 attachment {name!r} is over "
                          f"{limits.attachment_max_bytes // 1_000_000} MB")
    return [Attachment(name, ctype, data)]


def _payload(part: MIMEPart) -> bytes:
    raw = part.get_payload(decode=True)
    return raw if isinstance(raw, bytes) else b""


def _safe_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and not _SURROGATE.match(ch))
    return name.strip()[:200] or "prilog"
