"""Caller numbers in every form Serbian carriers send, to E.164 and an area."""

import pytest

from dialplan.numbers import allowed, classify, display, normalise

NOVI_SAD = "+381214807901"


@pytest.mark.parametrize("raw", [
    "0214807901", "214807901", "+381214807901", "00381214807901", "381214807901",
    "021 480 7901", "021-4807-901", " +381 21 480 79 01 ", "0038121 4807901",
])
def test_every_carrier_form_of_a_novi_sad_number(raw):
    c = classify(raw)
    assert c.e164 == NOVI_SAD
    assert (c.kind, c.area) == ("fixed", "021")


@pytest.mark.parametrize("raw", ["0641234567", "064 123 4567", "+381641234567",
                                 "00381641234567", "381641234567", "641234567", "060 1234567"])
def test_mobile_networks(raw):
    c = classify(raw)
    assert c.kind == "mobile" and c.area is None and c.e164.startswith("+3816")


@pytest.mark.parametrize(("raw", "area"), [("011 3345678", "011"), ("+381113345678", "011"),
                                           ("024 555 123", "024")])
def test_other_areas(raw, area):
    c = classify(raw)
    assert (c.kind, c.area) == ("fixed", area)


def test_foreign_and_special():
    assert classify("+36 1 234 5678").kind == "foreign"
    assert classify("0036 1 234 5678").kind == "foreign"
    assert classify("0800 021 021").kind == "special"


@pytest.mark.parametrize("raw", [None, "", "anonymous", "Anonymous", "unknown", "abc",
                                 "4807901", "12", "+", "021 48x"])
def test_anonymous_or_unparseable(raw):
    c = classify(raw)
    assert c.e164 is None and c.kind == "unknown" and not c.known


def test_rules():
    ns, bg, mob = classify("0214807901"), classify("0113345678"), classify("0641234567")
    assert allowed(ns, ("021",)) and not allowed(bg, ("021",)) and not allowed(mob, ("021",))
    assert allowed(mob, ("mobile",)) and allowed(bg, ("fixed",)) and allowed(mob, ("any",))
    assert not allowed(classify("+3612345678"), ("fixed", "mobile"))


def test_normalise_and_display():
    assert normalise("0800-021-021") == "+381800021021"
    assert normalise("021-4807-900") == "+381214807900"
    assert display("+381214807900") == "021 4807900"


def _classify_by_phonenumbers(raw):
    """How ``classify`` decided before it kept one answer per number shape:
    phonenumbers' type and area code asked for every number."""
    import phonenumbers

    from dialplan.numbers import SERBIA, Caller, normalise
    e164 = normalise(raw)
    if e164 is None:
        return Caller(raw, None, "unknown", None)
    num = phonenumbers.parse(e164)
    if num.country_code != SERBIA:
        return Caller(raw, e164, "foreign", None)
    national = str(num.national_number)
    ntype = phonenumbers.number_type(num)
    if national.startswith("6") or ntype == phonenumbers.PhoneNumberType.MOBILE:
        return Caller(raw, e164, "mobile", None)
    if national.startswith(("7", "8", "9")):
        return Caller(raw, e164, "special", None)
    length = phonenumbers.length_of_geographical_area_code(num) or 2
    return Caller(raw, e164, "fixed", "0" + national[:length])


def test_classify_by_shape_agrees_with_phonenumbers_for_every_serbian_shape():
    """Two subscribers of every four-digit shape where the area codes are
    (1xxx-3xxx, the usual lengths), one of every three-digit shape at every
    length, foreign and garbled numbers."""
    import random

    from dialplan.numbers import classify
    rnd = random.Random(381)
    raws = ["+4930123456", "+12025550123", "anonymous", "12", "0800021021", "+381 64 123 4567"]
    shapes = [(str(p), n, 2) for p in range(1000, 4000) for n in range(7, 11)]
    shapes += [(str(p), n, 1) for p in range(1, 1000) for n in range(6, 13)]
    for head, length, count in shapes:
        for _ in range(count):
            tail = "".join(rnd.choice("0123456789") for _ in range(length - len(head)))
            raws.append("0" + head + tail)
    for raw in raws:
        assert classify(raw) == _classify_by_phonenumbers(raw), raw
