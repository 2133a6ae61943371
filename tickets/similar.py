"""Does a new ticket look like one already open?  A simple, explainable
similarity: the words of subject and description (lower case, Cyrillic
read as Latin, words under 3 letters and common ones dropped) compared as
sets (Jaccard: shared / all), plus the address: the same address (ignoring
case, punctuation and spacing) adds 0.5.  Candidates are already limited
to open tickets of the same department and kind; at or above ``THRESHOLD``
(0.35) one is shown to the operator, best first."""

from __future__ import annotations

import re
from dataclasses import dataclass

THRESHOLD = 0.35
_WORD = re.compile(r"\w+", re.UNICODE)
_CYR = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџш",
                ["a", "b", "v", "g", "d", "dj", "e", "z", "z", "i", "j", "k", "l", "lj", "m",
                 "n", "nj", "o", "p", "r", "s", "t", "c", "u", "f", "h", "c", "c", "dz", "s"],
                strict=True))
_LAT = str.maketrans({"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj"})
STOP = frozenset({"prijavljeno", "telefonom", "kontakt", "centru", "centar", "grada", "novog",
                  "sada", "ulica", "ulici", "kod", "broj", "nije", "the", "and"})


@dataclass(frozen=True)
class Candidate:
    number: str
    subject: str
    description: str
    address: str | None


def latin(text: str) -> str:
    low = text.lower()
    return "".join(_CYR.get(ch, ch) for ch in low).translate(_LAT)


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(latin(text)) if len(w) >= 3 and w not in STOP)


def same_address(a: str | None, b: str | None) -> bool:
    def norm(x: str | None) -> str:
        return "".join(_WORD.findall(latin(x or "")))
    return bool(norm(a)) and norm(a) == norm(b)


def score(new: Candidate, old: Candidate) -> float:
    a, b = words(f"{new.subject} {new.description}"), words(f"{old.subject} {old.description}")
    jaccard = len(a & b) / len(a | b) if a | b else 0.0
    return round(min(1.0, jaccard + (0.5 if same_address(new.address, old.address) else 0.0)), 3)


def rank(new: Candidate, old: list[Candidate], limit: int = 5,
         threshold: float = THRESHOLD) -> list[tuple[float, Candidate]]:
    scored = [(score(new, c), c) for c in old]
    return sorted((x for x in scored if x[0] >= threshold), key=lambda x: -x[0])[:limit]
