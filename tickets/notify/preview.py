"""What the citizen would receive for a comment or status step, before it is
saved (pure): the same decisions as ``tickets.writes.TicketWriter.record``
and ``tickets.notify.jobs.enqueue``, the same words (``messages.render``).

- A comment without a status step sends no SMS or e-mail; written for the
  citizen it shows on the citizen's lookup page (``web``).
- A step to a status in ``notify_on`` is told by SMS (a phone) and e-mail (an
  address); the comment is the outcome only when written for the citizen.
  Without such a comment, a status the citizen was told already is not told
  again (``already_told``).
- A step the ticket or the role cannot take raises the domain's error, as
  saving it would.

Nothing is stored or sent here.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from tickets import domain as d
from tickets.errors import Forbidden, IllegalTransition
from tickets.notify.messages import language_of, render


class Outcome(enum.StrEnum):
    sent = "sent"  # an SMS and/or an e-mail goes out
    web_only = "web_only"  # a comment for the citizen: on the lookup page, no SMS/e-mail
    internal = "internal"  # nothing reaches the citizen
    not_notified = "not_notified"  # this status is not told (settings notify_on)
    already_told = "already_told"  # the citizen knows this status already
    no_contact = "no_contact"  # told, but the ticket has neither phone nor e-mail


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


@dataclass(frozen=True)
class Preview:
    outcome: Outcome
    language: str
    status: str | None  # the status the citizen is told of, if any
    sms: str | None
    email: Email | None
    web: str | None  # the words on the citizen's lookup page


@dataclass(frozen=True)
class Draft:
    """The change as typed in the ticket pane, and the ticket as it is."""

    number: str
    current: str
    to: str | None
    comment: str
    for_citizen: bool
    language: str | None
    phone: str | None
    email: str | None


def check_step(actor: d.Actor, number: str, current: str, to: str) -> None:
    """Raise what ``Ticket.move`` would raise for this step (403/409/422)."""
    frm = d.parse_enum(d.Status, current, "status")
    step = d.parse_enum(d.Status, to, "status")
    if step in d.SPECIAL_STEPS:
        raise IllegalTransition(f"ticket {number}: {d.SPECIAL_STEPS[step]}, not a status",
                                  number=number, state=frm.value, to=step.value)
    roles = d.TRANSITIONS.get((frm, step))
    if roles is None:
        raise IllegalTransition(f"ticket {number}: no step from {frm.value} to {step.value}",
                                  number=number, state=frm.value, to=step.value)
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role} may not move ticket {number} from "
                          f"{frm.value} to {step.value}", number=number, state=frm.value,
                          to=step.value, role=str(actor.role))


def preview(draft: Draft, *, notify_on: Collection[str], already_told: bool) -> Preview:
    lang = language_of(draft.language)
    words = draft.comment.strip() if draft.for_citizen else ""
    web = words or None
    if draft.to is None or draft.to == draft.current:  # a comment, not a step
        outcome = Outcome.web_only if web else Outcome.internal
        return Preview(outcome, lang, None, None, None, web)
    if draft.to not in notify_on:
        return Preview(Outcome.not_notified, lang, draft.to, None, None, web)
    if not words and already_told:
        return Preview(Outcome.already_told, lang, draft.to, None, None, None)
    if not draft.phone and not draft.email:
        return Preview(Outcome.no_contact, lang, draft.to, None, None, web)
    m = render(status=draft.to, language=draft.language, ticket_number=draft.number,
               outcome=words or None)
    return Preview(Outcome.sent, m.language, draft.to, m.sms if draft.phone else None,
                   Email(m.subject, m.body) if draft.email else None, web)
