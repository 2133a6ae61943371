"""Texts of the citizen notifications, per language and ticket status (pure).

``render(status=..., language=..., ticket_number=..., outcome=...)`` returns a
``Message`` with a short SMS text and an e-mail subject and body, all carrying
the ticket number and the outcome.  Serbian (``sr``, Cyrillic, the city's
words: активан/отказан/решен, "Контакт центар Града Новог Сада") comes first;
``hu``, ``sk``, ``ro``, ``hr`` and ``en`` are the city's other languages.  An
unknown or empty language falls back to Serbian: the citizen still hears from
the city, in its first language.

SMS length: the whole SMS is kept within ``SMS_MAX`` (160) characters by
shortening the outcome (ending it with "...").  When the text is GSM-7
(English, mostly) that is one SMS segment; otherwise (Cyrillic, č/ć/ő...)
the gateway sends it as UCS-2 and splits it, which is its job
(``needs_ucs2`` tells the adapter which coding to ask for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SMS_MAX = 160
LANGUAGES = ("sr", "hu", "sk", "ro", "hr", "en")
STATUSES = ("new", "forwarded", "active", "resolved", "cancelled", "closed")
DEFAULT_LANGUAGE = "sr"
CITY_PHONE = "0800-021-021"

# GSM 03.38 default alphabet; the extension table's characters take two septets.
_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = "^{}\\[~]|€\f"


class MessageError(ValueError):
    """A notification cannot be worded: ``code`` is stable, ``details`` names the input."""

    def __init__(self, code: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Message:
    language: str
    sms: str
    subject: str
    body: str


@dataclass(frozen=True)
class _Wording:
    city: str
    short: str  # the sender's name at the start of an SMS
    statuses: dict[str, str]
    sms: str  # {short} {number} {status}
    subject: str  # {city} {number} {status}
    greeting: str
    sentence: str  # {number} {status}
    outcome_label: str
    number_label: str
    status_label: str
    phone_line: str  # {phone}


_WORDINGS: dict[str, _Wording] = {
    "sr": _Wording(
        city="Контакт центар Града Новог Сада",
        short="Град Нови Сад",
        statuses={"new": "нов", "forwarded": "прослеђен", "active": "активан",
                  "resolved": "решен", "cancelled": "отказан", "closed": "затворен"},
        sms="{short}: Ваш захтев {number} је {status}.",
        subject="{city}: захтев {number} – {status}",
        greeting="Поштовани,",
        sentence="Ваш сервисни захтев {number} је {status}.",
        outcome_label="Исход",
        number_label="Број захтева",
        status_label="Статус",
        phone_line="Бесплатан позив: {phone}",
    ),
    "hu": _Wording(
        city="Újvidék Város Kontaktközpontja",
        short="Újvidék Város",
        statuses={"new": "új", "forwarded": "továbbítva", "active": "folyamatban",
                  "resolved": "megoldva", "cancelled": "visszavonva", "closed": "lezárva"},
        sms="{short}: a(z) {number} számú bejelentés állapota: {status}.",
        subject="{city}: {number} – {status}",
        greeting="Tisztelt Ügyfelünk!",
        sentence="A(z) {number} számú bejelentésének állapota: {status}.",
        outcome_label="Eredmény",
        number_label="Bejelentés száma",
        status_label="Állapot",
        phone_line="Ingyenes hívás: {phone}",
    ),
    "sk": _Wording(
        city="Kontaktné centrum mesta Nový Sad",
        short="Mesto Nový Sad",
        statuses={"new": "nová", "forwarded": "postúpená", "active": "aktívna",
                  "resolved": "vyriešená", "cancelled": "zrušená", "closed": "uzavretá"},
        sms="{short}: Vaša žiadosť {number} je {status}.",
        subject="{city}: žiadosť {number} – {status}",
        greeting="Vážený občan,",
        sentence="Vaša žiadosť {number} je {status}.",
        outcome_label="Výsledok",
        number_label="Číslo žiadosti",
        status_label="Stav",
        phone_line="Bezplatné volanie: {phone}",
    ),
    "ro": _Wording(
        city="Centrul de contact al orașului Novi Sad",
        short="Orașul Novi Sad",
        statuses={"new": "nouă", "forwarded": "transmisă", "active": "activă",
                  "resolved": "rezolvată", "cancelled": "anulată", "closed": "închisă"},
        sms="{short}: cererea dvs. {number} este {status}.",
        subject="{city}: cererea {number} – {status}",
        greeting="Stimate cetățean,",
        sentence="Cererea dvs. {number} este {status}.",
        outcome_label="Rezultat",
        number_label="Numărul cererii",
        status_label="Stare",
        phone_line="Apel gratuit: {phone}",
    ),
    "hr": _Wording(
        city="Kontakt centar Grada Novog Sada",
        short="Grad Novi Sad",
        statuses={"new": "nov", "forwarded": "proslijeđen", "active": "aktivan",
                  "resolved": "riješen", "cancelled": "otkazan", "closed": "zatvoren"},
        sms="{short}: Vaš zahtjev {number} je {status}.",
        subject="{city}: zahtjev {number} – {status}",
        greeting="Poštovani,",
        sentence="Vaš zahtjev {number} je {status}.",
        outcome_label="Ishod",
        number_label="Broj zahtjeva",
        status_label="Status",
        phone_line="Besplatan poziv: {phone}",
    ),
    "en": _Wording(
        city="City of Novi Sad Contact Centre",
        short="City of Novi Sad",
        statuses={"new": "new", "forwarded": "forwarded", "active": "active",
                  "resolved": "resolved", "cancelled": "cancelled", "closed": "closed"},
        sms="{short}: your request {number} is {status}.",
        subject="{city}: request {number} - {status}",
        greeting="Dear citizen,",
        sentence="Your request {number} is {status}.",
        outcome_label="Outcome",
        number_label="Request number",
        status_label="Status",
        phone_line="Free call: {phone}",
    ),
}


def language_of(language: str | None) -> str:
    """The language a message is written in: the call's, or Serbian when unknown."""
    lang = (language or "").strip().lower().split("-")[0].split("_")[0]
    return lang if lang in _WORDINGS else DEFAULT_LANGUAGE


def status_word(status: str, language: str | None) -> str:
    """The status as the citizen reads it (``resolved`` -> ``решен`` in Serbian)."""
    return _WORDINGS[language_of(language)].statuses[_check_status(status)]


def render(*, status: str, language: str | None, ticket_number: str,
           outcome: str | None = None) -> Message:
    """Word the notification of ``ticket_number`` reaching ``status``.

    ``outcome`` is the free text the department or operator wrote (how it was
    resolved, why it was cancelled); it may be empty.
    """
    status = _check_status(status)
    if not ticket_number or not ticket_number.strip():
        raise MessageError("notify.no_ticket_number", {"ticket_number": ticket_number})
    lang = language_of(language)
    w = _WORDINGS[lang]
    word = w.statuses[status]
    outcome = (outcome or "").strip()
    sms = _sms(w.sms.format(short=w.short, number=ticket_number, status=word), outcome)
    subject = w.subject.format(city=w.city, number=ticket_number, status=word)
    lines = [w.greeting, "", w.sentence.format(number=ticket_number, status=word)]
    if outcome:
        lines += ["", f"{w.outcome_label}: {outcome}"]
    lines += ["", f"{w.number_label}: {ticket_number}", f"{w.status_label}: {word}",
              "", "--", w.city, w.phone_line.format(phone=CITY_PHONE)]
    return Message(language=lang, sms=sms, subject=subject, body="\n".join(lines) + "\n")


def gsm7_septets(text: str) -> int | None:
    """Septets ``text`` takes in the GSM-7 alphabet, or None when it needs UCS-2."""
    n = 0
    for ch in text:
        if ch in _GSM7_BASIC:
            n += 1
        elif ch in _GSM7_EXTENSION:
            n += 2
        else:
            return None
    return n


def needs_ucs2(text: str) -> bool:
    """True when ``text`` cannot go as GSM-7 (Cyrillic, č, ő...): ask for UCS-2."""
    return gsm7_septets(text) is None


def sms_length(text: str) -> int:
    """Length as the SMS budget counts it: septets for GSM-7, else characters."""
    septets = gsm7_septets(text)
    return len(text) if septets is None else septets


def _sms(head: str, outcome: str) -> str:
    if not outcome:
        return head
    outcome = re.sub(r"\s+", " ", outcome)
    full = f"{head} {outcome}"
    if sms_length(full) <= SMS_MAX:
        return full
    # Shorten the outcome, never the head: the number and status must arrive.
    for cut in range(len(outcome) - 1, -1, -1):
        text = f"{head} {outcome[:cut].rstrip()}..." if cut else head
        if sms_length(text) <= SMS_MAX:
            return text
    return head


def _check_status(status: str) -> str:
    # str(): the ticket domain's Status is a StrEnum; words are keyed by plain values.
    if str(status) not in STATUSES:
        raise MessageError("notify.unknown_status", {"status": status, "known": list(STATUSES)})
    return str(status)
