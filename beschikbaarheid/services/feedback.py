"""Referrers' "Klopt dit niet?" reports and the provider's answers: the one path each change takes.

- `report`: a referrer's report on an offering (reason from the fixed list; text checked for client
  data and control characters whoever sends it);
- `answer_klopt`: the provider answers "klopt wel" with a short explanation;
- `answered_by_update`: an update or confirmation of the offering (services/offerings.py, every
  path: form, inline row, confirm-all, signed link, import) answers its open reports with 'update';
- reading: open counts for the search's scoring (one grouped query), the card's status lines for
  the shown offerings (one query), a provider's open reports. The contract manager's call list
  reads escalated reports in contract/calls.py.

The daily mail and the escalation are in services/feedback_daily.py.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from beschikbaarheid.domain import feedback as rules
from beschikbaarheid.domain.client_data import check_free_text
from beschikbaarheid.domain.freshness import dutch
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    FEEDBACK_REASONS,
    Feedback,
    Offering,
    utcnow,
)
from beschikbaarheid.models.feedback import FEEDBACK_ANSWER_MAX, FEEDBACK_TEXT_MAX


class FeedbackRefused(ValueError):
    """Input the report or answer path refuses; the message is Dutch (or translated) and shown as is."""


class AlreadyAnswered(FeedbackRefused):
    """The report was answered meanwhile (by an update or another user)."""


def _clean(text: str | None) -> str:
    """NUL dropped (PostgreSQL cannot store it), outer blanks trimmed."""
    return (text or "").replace("\x00", "").strip()


def report(offering: Offering, *, reason: str, text: str | None, referrer_type: str | None,
           now: dt.datetime | None = None, _=dutch) -> Feedback:
    """Store one report (commits). FeedbackRefused for a reason not in the list or refused text."""
    if reason not in FEEDBACK_REASONS:
        raise FeedbackRefused(_("Kies een reden uit de lijst."))
    text = _clean(text)
    if reason == "anders" and not text:
        raise FeedbackRefused(_("Beschrijf kort wat er niet klopt (bij 'anders' verplicht)."))
    if len(text) > FEEDBACK_TEXT_MAX:
        raise FeedbackRefused(_("Houd de toelichting kort: maximaal %(n)d tekens.", n=FEEDBACK_TEXT_MAX))
    if problem := check_free_text(text, multiline=True, _=_):
        raise FeedbackRefused(problem)
    item = Feedback(offering_id=offering.id, created_at=now or utcnow(), reason=reason, text=text, referrer_type=referrer_type)
    db.session.add(item)
    db.session.commit()
    return item


def answer_klopt(item: Feedback, *, author: str, text: str | None, own: Iterable[str | None] = (),
                 now: dt.datetime | None = None, _=dutch) -> Feedback:
    """The provider's "klopt wel" with its explanation (commits).

    FeedbackRefused for a missing, too long or client-like explanation; AlreadyAnswered when the
    report was answered meanwhile (the UPDATE only matches an open report, so two answers cannot both win).
    `own` are the provider's own contact details, which the explanation may mention.
    """
    text = _clean(text)
    if not text:
        raise FeedbackRefused(_("Leg kort uit waarom de gegevens kloppen."))
    if len(text) > FEEDBACK_ANSWER_MAX:
        raise FeedbackRefused(_("Houd de uitleg kort: maximaal %(n)d tekens.", n=FEEDBACK_ANSWER_MAX))
    if problem := check_free_text(text, multiline=True, own=own, _=_):
        raise FeedbackRefused(problem)
    result = db.session.execute(
        sa.update(Feedback).where(Feedback.id == item.id, Feedback.answered_at.is_(None))
        .values(answered_at=now or utcnow(), answer="klopt", answer_text=text, answered_by=author)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(item)
    if result.rowcount != 1:
        raise AlreadyAnswered(_("Deze melding was al beantwoord."))
    return item


_ANSWERED = "feedback_answered_by_update"  # session.info key: offerings updated in this transaction


def answered_by_update(offering: Offering, *, author: str, now: dt.datetime) -> None:
    """An update or confirmation of the offering answers its open reports ('update').

    Only noted here; one UPDATE per transaction answers them all just before the commit
    (`_answer_noted`), so a confirm-all, an import of 40,000 rows or the demo's year of history
    costs one statement per commit, not one per offering. A rollback forgets the note.
    """
    db.session.info.setdefault(_ANSWERED, {})[offering] = (author, now)


@sa.event.listens_for(Session, "before_commit")
def _answer_noted(session: Session) -> None:
    noted = session.info.pop(_ANSWERED, None)
    if not noted:
        return
    session.flush()  # new offerings get their id
    groups: dict[tuple[str, dt.datetime], list[int]] = defaultdict(list)
    for offering, (author, now) in noted.items():
        if offering.id is not None:
            groups[(author, now)].append(offering.id)
    for (author, now), ids in groups.items():
        for start in range(0, len(ids), 500):
            session.execute(
                sa.update(Feedback).where(Feedback.offering_id.in_(ids[start:start + 500]), Feedback.answered_at.is_(None),
                                          Feedback.created_at <= now)  # a later report is not answered by it
                .values(answered_at=now, answer="update", answer_text="", answered_by=author)
                .execution_options(synchronize_session=False)
            )


@sa.event.listens_for(Session, "after_rollback")
def _forget_noted(session: Session) -> None:
    session.info.pop(_ANSWERED, None)


# --- reading ---------------------------------------------------------------------------------

def open_count(offering_id):
    """SQL: the number of open reports on the offering whose id is `offering_id` (a column), read
    from the partial index of open reports. The search takes it as a column of its candidates."""
    return (
        sa.select(sa.func.count())
        .where(Feedback.offering_id == offering_id, Feedback.answered_at.is_(None))
        .scalar_subquery()
    )


@dataclass(frozen=True)
class CardStatus:
    """What a result card says about reports: open ones, or the last answer."""

    open_count: int
    open_text: str
    answer_text: str


def card_statuses(offering_ids: list[int], now: dt.datetime, _=dutch, date_text: Callable = rules.date_label) -> dict[int, CardStatus]:
    """The status lines of the shown offerings (one query): open reports, else the latest recent answer."""
    if not offering_ids:
        return {}
    since = now - dt.timedelta(days=rules.ANSWER_SHOWN_DAYS)
    rows = db.session.execute(
        sa.select(Feedback.offering_id, Feedback.reason, Feedback.created_at, Feedback.answered_at, Feedback.answer, Feedback.answer_text)
        .where(Feedback.offering_id.in_(offering_ids), sa.or_(Feedback.answered_at.is_(None), Feedback.answered_at >= since))
    ).all()
    opened: dict[int, list[rules.OpenReport]] = defaultdict(list)
    answered: dict[int, rules.LastAnswer] = {}
    for oid, reason, created_at, answered_at, answer, answer_text in rows:
        if answered_at is None:
            opened[oid].append(rules.OpenReport(str(FEEDBACK_REASONS.get(reason, reason)), created_at))
        elif oid not in answered or answered_at > answered[oid].answered_at:
            answered[oid] = rules.LastAnswer(answer, answered_at, answer_text)
    statuses = {}
    for oid in set(opened) | set(answered):
        reports = opened.get(oid, [])
        statuses[oid] = CardStatus(
            len(reports), rules.open_status(reports, now, _),
            "" if reports else rules.answer_status(answered.get(oid), now, _, date_text),
        )
    return statuses


def open_for_provider(provider_id: int) -> list[Feedback]:
    """A provider's open reports, oldest first, with offering, product and location loaded."""
    return list(db.session.scalars(
        sa.select(Feedback).join(Offering, Offering.id == Feedback.offering_id)
        .options(joinedload(Feedback.offering).joinedload(Offering.product), joinedload(Feedback.offering).joinedload(Offering.location))
        .where(Offering.provider_id == provider_id, Feedback.answered_at.is_(None))
        .order_by(Feedback.created_at, Feedback.id)
    ))
