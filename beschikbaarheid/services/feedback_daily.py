"""The daily "Klopt dit niet?" run: escalate overdue reports, then mail each provider its new reports once.

Escalation: an open report unanswered after `domain.feedback.ESCALATE_WORKING_DAYS` working days
gets `escalated_at` and so lands on the contract manager's call list (services/feedback.py,
`escalated_reports`). Setting it once is the whole action, so a second run finds nothing to do.

Mail: a provider with open reports not yet listed in a mail (`mailed_at` empty) gets ONE mail that
day listing them, to its intake e-mail address (the address the reminders use) or, without one, to
its active provider users. Idempotency as for the reminders (services/reminders.py): the day's
`feedback_mail` row is CLAIMED ('sending') in its own committed transaction before the mail goes
out; the unique constraint (provider, day) lets only one run win it. The winner sends, then marks
the row 'sent' and the listed reports `mailed_at` in one transaction, or 'failed' with the error.
A failed row is retried by a later run (attempts + 1, up to FEEDBACK_MAIL_MAX_ATTEMPTS) through an
atomic UPDATE that only matches failed rows. A row left 'sending' by a crash is retried after
FEEDBACK_MAIL_STUCK_MINUTES: in that window a provider could get the day's mail twice, which we
prefer to losing it (the same choice as the reminders).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import joinedload

from beschikbaarheid import mail as mailer
from beschikbaarheid.domain import feedback as rules
from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Feedback, FeedbackMail, Offering, Provider, User, utcnow
from beschikbaarheid.services import mail_claims

FEEDBACK_HEADER = "X-Beschikbaarheid-Meldingen"
SUBJECT = "Verwijzers melden: klopt dit niet? ({n} open)"


@dataclass
class DueMail:
    """One provider's mail of the day: its new open reports and where it goes."""

    provider_id: int
    name: str
    recipients: list[str]
    reports: list[Feedback]
    retry: bool = False


@dataclass
class FeedbackOutcome:
    """What one run did: printed by the CLI, stored on the JobRun."""

    as_of: dt.datetime
    dry_run: bool = False
    escalated: list[int] = field(default_factory=list)  # feedback ids
    planned: list[DueMail] = field(default_factory=list)
    sent: list[DueMail] = field(default_factory=list)
    failed: list[tuple[DueMail, str]] = field(default_factory=list)
    skipped: list[DueMail] = field(default_factory=list)  # another run had the claim
    no_address: list[DueMail] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "escalated": len(self.escalated),
            "planned": len(self.planned), "sent": len(self.sent), "failed": len(self.failed),
            "skipped": len(self.skipped), "no_address": len(self.no_address),
        }


# --- escalation -----------------------------------------------------------------------------

def escalate(as_of: dt.datetime, *, dry_run: bool = False) -> list[int]:
    """Put every open report unanswered for ESCALATE_WORKING_DAYS working days on the call list."""
    # Five working days are at least five calendar days: only older reports are looked at.
    cutoff = as_of - dt.timedelta(days=rules.ESCALATE_WORKING_DAYS)
    candidates = db.session.execute(
        sa.select(Feedback.id, Feedback.created_at)
        .where(Feedback.answered_at.is_(None), Feedback.escalated_at.is_(None), Feedback.created_at <= cutoff)
    ).all()
    due = [fid for fid, created_at in candidates if rules.escalation_due(created_at, as_of)]
    if due and not dry_run:
        for start in range(0, len(due), 500):
            db.session.execute(
                sa.update(Feedback).where(Feedback.id.in_(due[start:start + 500]), Feedback.answered_at.is_(None),
                                          Feedback.escalated_at.is_(None))
                .values(escalated_at=utcnow()).execution_options(synchronize_session=False)
            )
    db.session.commit()
    return due


# --- who gets a mail ------------------------------------------------------------------------

def _settings() -> tuple[int, dt.timedelta]:
    config = current_app.config
    return (int(config.get("FEEDBACK_MAIL_MAX_ATTEMPTS", 5)),
            dt.timedelta(minutes=int(config.get("FEEDBACK_MAIL_STUCK_MINUTES", 30))))


def due_mails(as_of: dt.datetime, now: dt.datetime | None = None) -> list[DueMail]:
    """Providers with open reports not yet mailed, unless today's mail is sent or being sent."""
    now = now or utcnow()
    max_attempts, stuck_after = _settings()
    reports = db.session.scalars(
        sa.select(Feedback).join(Offering, Offering.id == Feedback.offering_id)
        .options(joinedload(Feedback.offering).joinedload(Offering.product), joinedload(Feedback.offering).joinedload(Offering.location))
        .where(Feedback.answered_at.is_(None), Feedback.mailed_at.is_(None), Feedback.created_at <= as_of)
        .order_by(Feedback.created_at, Feedback.id)
    ).all()
    per_provider: dict[int, list[Feedback]] = defaultdict(list)
    for item in reports:
        per_provider[item.offering.provider_id].append(item)
    if not per_provider:
        return []
    ids = list(per_provider)
    logged = {row.provider_id: row for row in db.session.scalars(
        sa.select(FeedbackMail).where(FeedbackMail.day == local_date(as_of), FeedbackMail.provider_id.in_(ids)))}
    users: dict[int, list[str]] = defaultdict(list)
    for pid, email in db.session.execute(
        sa.select(User.provider_id, User.email).where(User.provider_id.in_(ids), User.role == "aanbieder", User.active.is_(True))
        .order_by(User.email)
    ):
        users[pid].append(email)
    due = []
    for provider in db.session.scalars(sa.select(Provider).where(Provider.id.in_(ids)).order_by(Provider.name)):
        row = logged.get(provider.id)
        retry = row is not None
        if row is not None and not (
            (row.status == "failed" and row.attempts < max_attempts)
            or (row.status == "sending" and row.claimed_at is not None and row.claimed_at <= now - stuck_after)
        ):
            continue
        intake = (provider.intake_email or "").strip()
        recipients = [mailer.format_address(provider.name, intake)] if "@" in intake else users.get(provider.id, [])
        due.append(DueMail(provider.id, provider.name, recipients, per_provider[provider.id], retry))
    return due


# --- claiming -------------------------------------------------------------------------------

def _claim(due: DueMail, day: dt.date, token: str, now: dt.datetime, stuck_before: dt.datetime) -> bool:
    """Take today's mail row of this provider: insert it, or take over a failed or stuck one. Commits."""
    values = dict(status="sending", recipient=", ".join(due.recipients)[:254], report_count=len(due.reports),
                  claim_token=token, claimed_at=now, error=None)
    won = mail_claims.claim(FeedbackMail.__table__, {"provider_id": due.provider_id, "day": day}, values, retry=due.retry,
                            stuck_before=stuck_before)
    db.session.commit()
    return won


def _finish(due: DueMail, day: dt.date, token: str, status: str, error: str | None = None) -> None:
    """Record the outcome of our claim; a sent mail also marks its reports mailed (one transaction)."""
    now = utcnow()
    ours = mail_claims.finish(FeedbackMail.__table__, {"provider_id": due.provider_id, "day": day}, token, status, error, now)
    if status == "sent" and ours:
        db.session.execute(
            sa.update(Feedback).where(Feedback.id.in_([f.id for f in due.reports]), Feedback.mailed_at.is_(None))
            .values(mailed_at=now).execution_options(synchronize_session=False)
        )
    db.session.commit()


# --- the e-mail -----------------------------------------------------------------------------

def build_mail(due: DueMail, as_of: dt.datetime) -> mailer.Mail:
    """The Dutch mail (plain text and HTML) listing the provider's new reports, with its signed update link."""
    from beschikbaarheid.signed_links import make_provider_link

    lines = [
        {
            "product": f"{f.offering.product.code} {f.offering.product.name}",
            "location": f.offering.location.name + (f", {f.offering.location.woonplaats}" if f.offering.location.woonplaats else ""),
            "reason": f.reason_label, "text": f.text, "when": rules.days_ago_label(f.created_at, as_of),
        }
        for f in due.reports
    ]
    context = dict(provider_name=due.name, reports=lines, update_url=make_provider_link(due.provider_id, "update"),
                   max_age_days=current_app.config.get("SIGNED_LINK_MAX_AGE_DAYS", 14), escalate_days=rules.ESCALATE_WORKING_DAYS)
    return mailer.Mail(
        to=due.recipients,
        subject=SUBJECT.format(n=len(lines)),
        text=render_template("email/feedback.txt", **context),
        html=render_template("email/feedback.html", **context),
        headers={FEEDBACK_HEADER: f"{due.provider_id}/{local_date(as_of).isoformat()}"},
        tag=due,
    )


# --- the run --------------------------------------------------------------------------------

def run_feedback_daily(
    as_of: dt.datetime, *, dry_run: bool = False, heartbeat: Callable[[], None] | None = None,
    send: Callable = mailer.send_many,
) -> FeedbackOutcome:
    """Escalate what is overdue, then send each provider's mail of the day, at most once."""
    outcome = FeedbackOutcome(as_of=as_of, dry_run=dry_run)
    outcome.escalated = escalate(as_of, dry_run=dry_run)
    now = utcnow()
    due = due_mails(as_of, now)
    outcome.planned = due
    if dry_run or not due:
        db.session.rollback()
        return outcome
    outcome.no_address = [d for d in due if not d.recipients]
    day = local_date(as_of)
    token = str(uuid.uuid4())
    stuck_before = now - _settings()[1]
    mails = [build_mail(d, as_of) for d in due if d.recipients]  # rendered before any claim: no half-built state
    db.session.rollback()
    owned = []
    for m in mails:
        if heartbeat:
            heartbeat()
        (owned if _claim(m.tag, day, token, now, stuck_before) else outcome.skipped).append(m)
    if not owned:
        return outcome

    def finish(d: DueMail, status: str, error: str | None) -> None:
        _finish(d, day, token, status, error)
        if status == "sent":
            outcome.sent.append(d)
        else:
            outcome.failed.append((d, error))

    mail_claims.send_claimed(FeedbackMail.__table__, token, owned, send, finish)
    return outcome
