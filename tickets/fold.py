"""The one spelling the full text index and its queries are written in.

Serbian is written in Cyrillic and in Latin: a citizen's "Bulevar
oslobođenja" and an operator's "Булевар ослобођења" are the same street.
``fold`` writes both as plain lower-case Latin without diacritics
("bulevar oslobodjenja"): Cyrillic is transliterated letter by letter (the
official Serbian table: љ lj, њ nj, џ dž, ђ đ, ћ ć ...), then every
diacritic is dropped (č ć → c, š → s, ž → z, and the Hungarian, Slovak and
Romanian ones), and đ is written dj, as it is typed without diacritics.
The index is built from the folded text and every query is folded the
same way, so either alphabet, with or without diacritics, finds both.
"""

from __future__ import annotations

import unicodedata

_CYRILLIC = dict(zip(
    "абвгдђежзијклљмнњопрстћуфхцчџш",
    ("a", "b", "v", "g", "d", "dj", "e", "z", "z", "i", "j", "k", "l", "lj", "m", "n", "nj",
     "o", "p", "r", "s", "t", "c", "u", "f", "h", "c", "c", "dz", "s"), strict=True))
# Letters NFKD does not take apart, written as they are typed without diacritics.
_PLAIN = {"đ": "dj", "ß": "ss", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i"}
_TABLE = str.maketrans({**{ord(k): v for k, v in _CYRILLIC.items()},
                        **{ord(k): v for k, v in _PLAIN.items()}})


def fold(text: str) -> str:
    """Lower-case Latin without diacritics; Serbian Cyrillic transliterated."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_TABLE)


def search_text(subject: str, description: str | None) -> str:
    """What the full text index holds for a ticket: subject and description, folded."""
    return fold(f"{subject} {description or ''}")
