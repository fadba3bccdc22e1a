"""Monthly reminders: load who is due (domain rules), claim each reminder in the log, mail it, record the outcome.

Idempotency design. Every reminder is first CLAIMED by inserting its `reminder_log` row (status
'sending') in its own committed transaction; the unique constraint (provider, period, kind) lets only
one run win that insert (the loser's INSERT ... ON CONFLICT DO NOTHING returns nothing, so it skips).
Only the winner sends, then marks the row 'sent' (or 'failed' with the error). A failed row is
retried by a later run (attempts + 1) by an atomic UPDATE that only matches failed rows, so two
runs cannot both retry it either.

At-most-once vs at-least-once: if the process dies after the SMTP server accepted a message but
before 'sent' was committed, the row stays 'sending'. Such rows are retried after
REMINDER_STUCK_MINUTES (longer than the job lock's lease), so the provider could, in that one
crash window, get the same reminder twice. We chose that over at-most-once (never retrying a stuck
row) because a lost reminder means a provider silently drops out of the 90% target, while a rare
duplicate is only a nuisance. The window is small: outcomes are committed in groups of
REMINDER_COMMIT_EVERY (default 10) or every two seconds, and an exception inside the run first
records what the server already accepted. Only a hard kill (power, SIGKILL) can cost a duplicate,
of at most that group. REMINDER_COMMIT_EVERY=1 narrows it to one message at the cost of one commit
(an fsync on SQLite) per message.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from beschikbaarheid import mail as mailer
from beschikbaarheid.domain import freshness
from beschikbaarheid.domain.reminders import (
    NO_EMAIL,
    DueReminder,
    ProviderState,
    ReminderRecord,
    Schedule,
    due_reminders,
    first_working_day,
    is_current,
    period_label,
    period_of,
    reminder_moment,
)
from beschikbaarheid.extensions import db
from beschikbaarheid.models import INTAKE_STATUSES, Contract, Offering, Provider, Region, ReminderLog, utcnow

log = logging.getLogger(__name__)

CLAIM_CHUNK = 50
STUCK_MINUTES_DEFAULT = 30
MAX_ATTEMPTS_DEFAULT = 5
REMINDER_HEADER = "X-Beschikbaarheid-Herinnering"
SUBJECTS = {
    "first": "Werk uw beschikbaarheid bij voor {month}",
    "second": "Tweede herinnering: werk uw beschikbaarheid bij voor {month}",
}


def schedule_from_config(config) -> Schedule:
    """The reminder rules' settings from app.config (all overridable by environment variables)."""
    return Schedule(
        hour=int(config.get("REMINDER_HOUR", 8)),
        followup_days=int(config.get("REMINDER_FOLLOWUP_DAYS", 7)),
        escalate_days=int(config.get("REMINDER_ESCALATE_DAYS", 14)),
        max_attempts=int(config.get("REMINDER_MAX_ATTEMPTS", MAX_ATTEMPTS_DEFAULT)),
        stuck_after=dt.timedelta(minutes=int(config.get("REMINDER_STUCK_MINUTES", STUCK_MINUTES_DEFAULT))),
    )


def region_schedule(base: Schedule, followup_days: int | None, escalate_days: int | None) -> Schedule:
    """A region's reminder timing: its beheerder's follow-up and escalation days, else the installation's."""
    return dataclasses.replace(
        base,
        followup_days=base.followup_days if followup_days is None else int(followup_days),
        escalate_days=base.escalate_days if escalate_days is None else int(escalate_days),
    )


def provider_schedules(base: Schedule, on: dt.date) -> dict[int, Schedule]:
    """Per provider contracted on `on`: the timing of its region. A provider contracted in several
    regions gets the shortest follow-up and escalation of them, so no region's timing is missed."""
    rows = db.session.execute(
        sa.select(Contract.provider_id, Region.reminder_followup_days, Region.reminder_escalate_days)
        .join(Region, Region.id == Contract.region_id)
        .where(Contract.is_active(on))
        .distinct()
    ).all()
    schedules: dict[int, Schedule] = {}
    for provider_id, followup, escalate in rows:
        own = region_schedule(base, followup, escalate)
        seen = schedules.get(provider_id)
        if seen is not None:
            own = dataclasses.replace(own, followup_days=min(own.followup_days, seen.followup_days),
                                      escalate_days=min(own.escalate_days, seen.escalate_days))
        schedules[provider_id] = own
    return schedules


def due_by_region(states: list[ProviderState], as_of: dt.datetime, base: Schedule, *, now: dt.datetime) -> list[DueReminder]:
    """`due_reminders` with each provider's region timing; in the order of `states`."""
    schedules = provider_schedules(base, freshness.local_date(as_of))
    groups: dict[Schedule, list[ProviderState]] = defaultdict(list)
    for state in states:
        groups[schedules.get(state.provider_id, base)].append(state)
    order = {state.provider_id: i for i, state in enumerate(states)}
    due = [d for schedule, group in groups.items() for d in due_reminders(group, as_of, schedule, now=now)]
    return sorted(due, key=lambda d: order[d.provider_id])


# --- reading state --------------------------------------------------------------------------

def active_contract_keys(on: dt.date) -> set[tuple[int, int]]:
    """(provider_id, product_id) pairs with a contract active on `on`."""
    return set(db.session.execute(sa.select(Contract.provider_id, Contract.product_id).where(Contract.is_active(on))).tuples())


def provider_states(as_of: dt.datetime, provider_ids: Iterable[int] | None = None) -> list[ProviderState]:
    """Every contracted provider on `as_of` with the update times of its contracted offerings and this month's reminders."""
    keys = active_contract_keys(freshness.local_date(as_of))
    ids = {pid for pid, _ in keys}
    if provider_ids is not None:
        ids &= set(provider_ids)
    if not ids:
        return []
    providers = db.session.execute(
        sa.select(Provider.id, Provider.name, Provider.intake_email).where(Provider.id.in_(ids)).order_by(Provider.name)
    ).all()
    updates: dict[int, list] = defaultdict(list)
    for pid, product_id, updated_at in db.session.execute(
        sa.select(Offering.provider_id, Offering.product_id, Offering.updated_at).where(Offering.provider_id.in_(ids))
    ):
        if (pid, product_id) in keys:
            updates[pid].append(updated_at)
    period = period_of(as_of)
    recs: dict[int, dict[str, ReminderRecord]] = defaultdict(dict)
    for row in db.session.scalars(sa.select(ReminderLog).where(ReminderLog.period == period, ReminderLog.provider_id.in_(ids))):
        recs[row.provider_id][row.kind] = ReminderRecord(
            kind=row.kind, status=row.status, scheduled_for=row.scheduled_for, attempts=row.attempts,
            claimed_at=row.claimed_at, error=row.error,
        )
    db.session.rollback()  # end the read transaction: claims below each commit on their own
    return [
        ProviderState(pid, name, (email or "").strip() or None, tuple(updates.get(pid, ())), recs.get(pid, {}))
        for pid, name, email in providers
    ]


def plan(as_of: dt.datetime, *, now: dt.datetime | None = None) -> list[DueReminder]:
    """Who is due for what at `as_of`, and why (nothing is written)."""
    return due_by_region(provider_states(as_of), as_of, schedule_from_config(current_app.config), now=now or utcnow())


def current_provider_ids(as_of: dt.datetime) -> set[int]:
    """Contracted providers that count as updated this month (`domain.reminders.is_current`)."""
    return {s.provider_id for s in provider_states(as_of) if is_current(s.offering_updated_ats, as_of)}


# --- claiming -------------------------------------------------------------------------------

def _insert_ignoring_conflicts(rows: list[dict]) -> set[tuple[int, str]]:
    """Insert log rows; the ones the unique constraint rejects (someone else has them) are skipped.

    Returns the (provider_id, kind) pairs this call inserted. Commits.
    """
    if not rows:
        return set()
    table = ReminderLog.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = (
            insert(table).values(rows)
            .on_conflict_do_nothing(index_elements=["provider_id", "period", "kind"])
            .returning(table.c.provider_id, table.c.kind)
        )
        won = {(pid, kind) for pid, kind in db.session.execute(stmt)}
        db.session.commit()
        return won
    won = set()  # other backends: one savepoint per row, IntegrityError means someone else has it
    for row in rows:
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(table).values(row))
            won.add((row["provider_id"], row["kind"]))
        except IntegrityError:
            pass
    db.session.commit()
    return won


def _reclaim(due: DueReminder, period: str, token: str, now: dt.datetime, stuck_before: dt.datetime, **values) -> bool:
    """Take over a failed (or stuck 'sending') row for a retry; atomic, so only one run wins it."""
    table = ReminderLog.__table__
    result = db.session.execute(
        sa.update(table)
        .where(
            table.c.provider_id == due.provider_id, table.c.period == period, table.c.kind == due.kind,
            sa.or_(table.c.status == "failed", sa.and_(table.c.status == "sending", table.c.claimed_at < stuck_before)),
        )
        .values(attempts=table.c.attempts + 1, claim_token=token, claimed_at=now, **values)
    )
    db.session.commit()
    return result.rowcount == 1


def claim(batch: list[DueReminder], period: str, scheduled_for: dt.date, token: str, *, status: str = "sending",
          error: str | None = None, stuck_before: dt.datetime | None = None) -> list[DueReminder]:
    """Claim log rows for `batch` in one transaction; returns the reminders this run now owns."""
    now = utcnow()
    stuck_before = stuck_before or now
    sent_at = now if status == "sent" else None
    fresh = [d for d in batch if not d.retry]
    won = _insert_ignoring_conflicts([
        dict(provider_id=d.provider_id, period=period, kind=d.kind, status=status, scheduled_for=scheduled_for,
             recipient=d.email, attempts=1, claim_token=token, claimed_at=now, sent_at=sent_at, error=error, created_at=now)
        for d in fresh
    ])
    owned = [d for d in fresh if (d.provider_id, d.kind) in won]
    for d in batch:
        if d.retry and _reclaim(d, period, token, now, stuck_before, status=status, recipient=d.email,
                                scheduled_for=scheduled_for, sent_at=sent_at, error=error):
            owned.append(d)
    return owned


def _finish_many(outcomes: list[tuple[DueReminder, str, str | None, dt.datetime]], period: str, token: str) -> set[tuple[int, str]]:
    """Record outcomes of our claims in one transaction; returns those whose claim was no longer ours.

    The WHERE on claim_token and status means we never overwrite a row another run has taken over.
    Successes are written with one UPDATE per group (sent_at = the group's last acceptance, at most
    a couple of seconds after each message's own), failures one by one with their own error.
    """
    table = ReminderLog.__table__
    mine = sa.and_(table.c.period == period, table.c.claim_token == token, table.c.status == "sending")
    wanted = {(d.provider_id, d.kind) for d, _s, _e, _at in outcomes}
    done: set[tuple[int, str]] = set()
    sent = [(d.provider_id, d.kind) for d, status, _e, _at in outcomes if status == "sent"]
    if sent:
        last = max(at for _d, status, _e, at in outcomes if status == "sent")
        result = db.session.execute(
            sa.update(table).where(mine, sa.tuple_(table.c.provider_id, table.c.kind).in_(sent))
            .values(status="sent", sent_at=last, error=None)
            .returning(table.c.provider_id, table.c.kind)
        )
        done |= {(pid, kind) for pid, kind in result}
    for d, status, error, _at in outcomes:
        if status == "sent":
            continue
        result = db.session.execute(
            sa.update(table).where(mine, table.c.provider_id == d.provider_id, table.c.kind == d.kind)
            .values(status=status, error=error[:1000] if error else None)
        )
        if result.rowcount == 1:
            done.add((d.provider_id, d.kind))
    db.session.commit()
    return wanted - done


def release_claims(token: str, error: str) -> int:
    """After a crash inside the run: every claim of ours still 'sending' becomes 'failed', so the next run retries it."""
    db.session.rollback()
    table = ReminderLog.__table__
    result = db.session.execute(
        sa.update(table).where(table.c.claim_token == token, table.c.status == "sending").values(status="failed", error=error[:1000])
    )
    db.session.commit()
    return result.rowcount


# --- the e-mail -----------------------------------------------------------------------------

@dataclass
class OfferingLine:
    """One offering as the e-mail lists it."""

    product: str
    location: str
    free_places: str
    waiting_weeks: str
    intake_status: str
    last_update: str
    stale: bool


def offering_lines(provider_ids: Iterable[int], as_of: dt.datetime, keys: set[tuple[int, int]] | None = None) -> dict[int, list[OfferingLine]]:
    """The contracted offerings of these providers with their current values, for the mail."""
    ids = list(provider_ids)
    if keys is None:
        keys = active_contract_keys(freshness.local_date(as_of))
    rows = db.session.scalars(
        sa.select(Offering).options(joinedload(Offering.product), joinedload(Offering.location))
        .where(Offering.provider_id.in_(ids))
    ).all()
    lines: dict[int, list[OfferingLine]] = defaultdict(list)
    for o in sorted(rows, key=lambda o: (o.location.name, o.product.code)):
        if (o.provider_id, o.product_id) not in keys:
            continue
        updated = o.updated_at.astimezone(freshness.TZ).strftime("%d-%m-%Y") if o.updated_at else "nooit"
        lines[o.provider_id].append(OfferingLine(
            product=f"{o.product.code} {o.product.name}",
            location=o.location.name + (f", {o.location.woonplaats}" if o.location.woonplaats else ""),
            free_places="onbekend" if o.free_places is None else str(o.free_places),
            waiting_weeks="onbekend" if o.waiting_weeks is None else f"{o.waiting_weeks} weken",
            intake_status=INTAKE_STATUSES.get(o.intake_status, o.intake_status),
            last_update=f"{updated} ({freshness.age_label(o.updated_at, as_of)})",
            stale=freshness.is_stale(o.updated_at, as_of),
        ))
    db.session.rollback()
    return lines


def build_mail(due: DueReminder, period: str, offerings: list[OfferingLine]) -> mailer.Mail:
    """The Dutch reminder (plain text and HTML) with the provider's offerings and its two signed links."""
    from beschikbaarheid.signed_links import make_provider_link

    context = dict(
        kind=due.kind, provider_name=due.name, month=period_label(period), offerings=offerings,
        confirm_url=make_provider_link(due.provider_id, "confirm"),
        update_url=make_provider_link(due.provider_id, "update"),
        max_age_days=current_app.config.get("SIGNED_LINK_MAX_AGE_DAYS", 14),
    )
    return mailer.Mail(
        to=mailer.format_address(due.name, due.email) if due.email and "@" in due.email else due.email,
        subject=SUBJECTS[due.kind].format(month=context["month"]),
        text=render_template("email/reminder.txt", **context),
        html=render_template("email/reminder.html", **context),
        headers={REMINDER_HEADER: f"{due.provider_id}/{period}/{due.kind}"},
        tag=due,
    )


# --- the run --------------------------------------------------------------------------------

@dataclass
class ReminderOutcome:
    """What one run did, per action: printed by the CLI, stored on the JobRun."""

    as_of: dt.datetime
    period: str
    dry_run: bool = False
    planned: list[DueReminder] = field(default_factory=list)
    sent: list[DueReminder] = field(default_factory=list)
    failed: list[tuple[DueReminder, str]] = field(default_factory=list)
    escalated: list[DueReminder] = field(default_factory=list)
    skipped: list[DueReminder] = field(default_factory=list)  # another run had the claim
    server_error: str | None = None

    def summary(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "period": self.period, "dry_run": self.dry_run,
            "planned": len(self.planned), "sent": len(self.sent), "failed": len(self.failed),
            "escalated": len(self.escalated), "skipped": len(self.skipped), "server_error": self.server_error,
        }


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def run_reminders(
    as_of: dt.datetime,
    *,
    dry_run: bool = False,
    heartbeat: Callable[[], None] | None = None,
    send: Callable = mailer.send_many,
) -> ReminderOutcome:
    """Do every reminder action due at `as_of`, once: escalations, no-address failures, then the mails.

    `heartbeat` is called between chunks (the job renews its lock there). `send` is
    `mail.send_many`; the mails are generated lazily, so each chunk is claimed just before it
    goes out over the one reused connection.
    """
    schedule = schedule_from_config(current_app.config)
    now = utcnow()
    period = period_of(as_of)
    scheduled_for = freshness.local_date(as_of)
    due = due_by_region(provider_states(as_of), as_of, schedule, now=now)
    outcome = ReminderOutcome(as_of=as_of, period=period, dry_run=dry_run, planned=due)
    if dry_run or not due:
        return outcome

    token = str(uuid.uuid4())
    stuck_before = now - schedule.stuck_after
    escalations = [d for d in due if d.kind == "escalation"]
    no_address = [d for d in due if d.without_email]
    mails = [d for d in due if d.kind != "escalation" and not d.without_email]

    try:
        # The call list: logging the escalation IS the action, so it is claimed directly as done.
        for chunk in _chunks(escalations, CLAIM_CHUNK):
            owned = claim(chunk, period, scheduled_for, token, status="sent", stuck_before=stuck_before)
            outcome.escalated += owned
            outcome.skipped += [d for d in chunk if d not in owned]
        for chunk in _chunks(no_address, CLAIM_CHUNK):
            owned = claim(chunk, period, scheduled_for, token, status="failed", error=NO_EMAIL, stuck_before=stuck_before)
            outcome.failed += [(d, NO_EMAIL) for d in owned]
        if mails:
            _send_mails(mails, outcome, period, scheduled_for, token, stuck_before, heartbeat, send)
    except BaseException as exc:
        # A crash halfway: whatever we claimed but did not send goes back to 'failed' so the next
        # run (or this one re-run) finishes the rest; what was sent stays sent.
        released = release_claims(token, f"run afgebroken: {exc!r}")
        log.error("reminder run aborted after %d sent; %d claims released: %r", len(outcome.sent), released, exc)
        raise
    return outcome


def _send_mails(mails, outcome: ReminderOutcome, period, scheduled_for, token, stuck_before, heartbeat, send) -> None:
    """Claim and send the reminder mails chunk by chunk over one SMTP connection, recording outcomes as they come.

    Outcomes are committed in small groups (REMINDER_COMMIT_EVERY messages, or at least every
    two seconds) instead of one commit per message: on SQLite every commit is an fsync, and one per
    message would dominate a 4,000-provider run. The price is the at-least-once window after a
    hard kill (not an exception: those flush first), which is at most that many messages.
    """
    commit_every = max(1, int(current_app.config.get("REMINDER_COMMIT_EVERY", 10)))
    keys = active_contract_keys(scheduled_for)
    pending: list[tuple[DueReminder, str, str | None, dt.datetime]] = []
    last_flush = [time.monotonic()]

    def flush() -> None:
        if not pending:
            return
        batch = pending[:]
        pending.clear()
        lost = _finish_many(batch, period, token)
        last_flush[0] = time.monotonic()
        for d, status, error, _at in batch:
            if (d.provider_id, d.kind) in lost:
                log.warning("claim of %s/%s/%s was taken over while sending", d.provider_id, period, d.kind)
            elif status == "sent":
                outcome.sent.append(d)
            else:
                outcome.failed.append((d, error or status))

    def generate() -> Iterator[mailer.Mail]:
        for chunk in _chunks(mails, CLAIM_CHUNK):
            flush()
            if heartbeat:
                heartbeat()
            owned = claim(chunk, period, scheduled_for, token, stuck_before=stuck_before)
            outcome.skipped += [d for d in chunk if d not in owned]
            lines = offering_lines((d.provider_id for d in owned), outcome.as_of, keys)
            for d in owned:
                yield build_mail(d, period, lines.get(d.provider_id, []))

    def record(result: mailer.SendResult) -> None:
        d: DueReminder = result.mail.tag
        if result.ok:
            pending.append((d, "sent", None, utcnow()))
        else:
            pending.append((d, "failed", result.error or result.status, utcnow()))
            if result.status == "not_sent" and not outcome.server_error:
                outcome.server_error = result.error
        if len(pending) >= commit_every or time.monotonic() - last_flush[0] > 2:
            flush()

    try:
        send(generate(), on_result=record)
    except mailer.MailServerUnavailable as exc:
        # Nothing went out: record the failure for every provider due, so it shows in the log and
        # the next run retries them (failed rows are retryable).
        outcome.server_error = str(exc)
        for chunk in _chunks(mails, CLAIM_CHUNK):
            owned = claim(chunk, period, scheduled_for, token, status="failed", error=str(exc), stuck_before=stuck_before)
            outcome.failed += [(d, str(exc)) for d in owned]
            outcome.skipped += [d for d in chunk if d not in owned]
    except BaseException:
        db.session.rollback()
        flush()  # what the server accepted before the crash is recorded as sent, never re-sent
        raise
    flush()


# --- queries for the contract manager -------------------------------------------------------

def reminder_history(*, provider_id: int | None = None, period: str | None = None, kind: str | None = None,
                     status: str | None = None, limit: int | None = 500) -> list[ReminderLog]:
    """Logged reminders, newest first: who, which kind, for which month, when, outcome and error."""
    stmt = sa.select(ReminderLog).options(joinedload(ReminderLog.provider)).order_by(
        ReminderLog.created_at.desc(), ReminderLog.id.desc()
    )
    if provider_id is not None:
        stmt = stmt.where(ReminderLog.provider_id == provider_id)
    if period:
        stmt = stmt.where(ReminderLog.period == period)
    if kind:
        stmt = stmt.where(ReminderLog.kind == kind)
    if status:
        stmt = stmt.where(ReminderLog.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def reminders_by_provider(period: str, provider_ids: Iterable[int] | None = None) -> dict[int, list[ReminderLog]]:
    """This month's reminders per provider (for the overdue list: 'reminders sent')."""
    stmt = sa.select(ReminderLog).where(ReminderLog.period == period).order_by(ReminderLog.created_at)
    if provider_ids is not None:
        stmt = stmt.where(ReminderLog.provider_id.in_(list(provider_ids)))
    grouped: dict[int, list[ReminderLog]] = defaultdict(list)
    for row in db.session.scalars(stmt):
        grouped[row.provider_id].append(row)
    return dict(grouped)


@dataclass(frozen=True)
class CallListEntry:
    """A provider the contract manager should phone: escalated this month and still not current."""

    provider: Provider
    escalated_at: dt.datetime | None
    reminders: list[ReminderLog]


def call_list(as_of: dt.datetime | None = None) -> list[CallListEntry]:
    """Providers escalated in the month of `as_of` that have still not updated, by provider name."""
    as_of = as_of or utcnow()
    period = period_of(as_of)
    logs = reminders_by_provider(period)
    escalated = {pid for pid, rows in logs.items() if any(r.kind == "escalation" and r.status == "sent" for r in rows)}
    if not escalated:
        return []
    current = {s.provider_id for s in provider_states(as_of, escalated) if is_current(s.offering_updated_ats, as_of)}
    providers = db.session.scalars(sa.select(Provider).where(Provider.id.in_(escalated - current)).order_by(Provider.name))
    return [
        CallListEntry(p, next(r.sent_at for r in logs[p.id] if r.kind == "escalation"), logs[p.id])
        for p in providers
    ]


def first_reminder_moment(as_of: dt.datetime) -> dt.datetime:
    """When this month's first reminder is (or was) due, for display."""
    local = as_of.astimezone(freshness.TZ)
    return reminder_moment(first_working_day(local.year, local.month), schedule_from_config(current_app.config).hour)
