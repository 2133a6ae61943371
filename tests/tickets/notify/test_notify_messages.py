"""Texts per language and status; the retry policy (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tickets.notify import policy
from tickets.notify.messages import (
    LANGUAGES,
    SMS_MAX,
    STATUSES,
    MessageError,
    needs_ucs2,
    render,
    sms_length,
    status_word,
)

NUMBER = "NS-2027-000123"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", STATUSES)
def test_every_language_and_status_carries_number_status_and_outcome(language, status):
    m = render(status=status, language=language, ticket_number=NUMBER, outcome="Otklonjeno.")
    word = status_word(status, language)
    for text in (m.sms, m.subject, m.body):
        assert NUMBER in text
        assert word in text
    assert "Otklonjeno." in m.sms and "Otklonjeno." in m.body
    assert m.language == language
    assert sms_length(m.sms) <= SMS_MAX


def test_serbian_uses_the_citys_cyrillic_words():
    resolved = render(status="resolved", language="sr", ticket_number=NUMBER, outcome="")
    assert "Контакт центар Града Новог Сада" in resolved.subject
    assert "решен" in resolved.sms and "Статус: решен" in resolved.body
    assert "0800-021-021" in resolved.body
    assert status_word("cancelled", "sr") == "отказан"
    assert status_word("active", "sr") == "активан"
    assert needs_ucs2(resolved.sms)  # Cyrillic: the gateway sends UCS-2


def test_english_sms_is_one_gsm7_segment_even_with_a_long_outcome():
    m = render(status="resolved", language="en", ticket_number=NUMBER, outcome="fixed " * 80)
    assert not needs_ucs2(m.sms)
    assert sms_length(m.sms) <= 160
    assert m.sms.endswith("...")
    assert m.sms.startswith(f"City of Novi Sad: your request {NUMBER} is resolved.")
    assert ("fixed " * 80).strip() in m.body  # the e-mail keeps the whole outcome


def test_long_cyrillic_outcome_is_shortened_but_number_and_status_stay():
    m = render(status="cancelled", language="sr", ticket_number=NUMBER, outcome="Дупликат. " * 40)
    assert len(m.sms) <= SMS_MAX
    assert NUMBER in m.sms and "отказан" in m.sms


def test_unknown_or_regional_language_falls_back_sensibly():
    assert render(status="resolved", language="de", ticket_number=NUMBER).language == "sr"
    assert render(status="resolved", language=None, ticket_number=NUMBER).language == "sr"
    assert render(status="resolved", language="hu-HU", ticket_number=NUMBER).language == "hu"


def test_unknown_status_is_a_specific_error():
    with pytest.raises(MessageError) as e:
        render(status="done", language="sr", ticket_number=NUMBER)
    assert e.value.code == "notify.unknown_status"
    assert e.value.details["status"] == "done"


def test_gsm7_extension_characters_count_double():
    assert sms_length("€") == 2 and sms_length("a") == 1 and sms_length("ж") == 1


NOW = datetime(2027, 3, 1, tzinfo=UTC)
BACKOFF = policy.exponential_backoff(base=10, factor=2, cap=60)


def test_policy_retry_backs_off_exponentially_then_gives_up():
    state, attempts, delays = policy.PENDING, 0, []
    while state == policy.PENDING:
        nxt = policy.after(state, policy.FAILED_RETRYABLE, attempts=attempts, now=NOW,
                           max_attempts=5, backoff=BACKOFF)
        state, attempts = nxt.status, nxt.attempts
        if nxt.next_attempt_at:
            delays.append((nxt.next_attempt_at - NOW).total_seconds())
    assert delays == [10, 20, 40, 60]
    assert (state, attempts) == (policy.GAVE_UP, 5)


def test_policy_delivered_and_permanent_failure():
    sent = policy.after(policy.PENDING, policy.DELIVERED, attempts=2, now=NOW, max_attempts=5,
                        backoff=BACKOFF)
    assert (sent.status, sent.attempts, sent.next_attempt_at) == (policy.SENT, 3, None)
    failed = policy.after(policy.PENDING, policy.FAILED_PERMANENT, attempts=0, now=NOW,
                          max_attempts=5, backoff=BACKOFF)
    assert failed.status == policy.FAILED


def test_policy_rearm_and_loud_errors():
    again = policy.after(policy.GAVE_UP, policy.REARM, attempts=8, now=NOW, max_attempts=8,
                         backoff=BACKOFF)
    assert (again.status, again.attempts, again.next_attempt_at) == (policy.PENDING, 0, NOW)
    with pytest.raises(policy.TransitionError) as e:
        policy.after(policy.SENT, policy.DELIVERED, attempts=1, now=NOW, max_attempts=8,
                     backoff=BACKOFF)
    assert e.value.code == "notify.bad_transition"
    assert e.value.details == {"state": "sent", "event": "delivered"}
    assert "sent" in str(e.value) and "delivered" in str(e.value)
    assert timedelta(seconds=BACKOFF(100)) == timedelta(seconds=60)


def test_a_str_enum_status_is_accepted():
    import enum

    class Status(enum.StrEnum):
        resolved = "resolved"

    m = render(status=Status.resolved, language="sr", ticket_number=NUMBER)
    assert "решен" in m.sms
