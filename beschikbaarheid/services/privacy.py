"""Stored free text checked again with today's rules: notes, their history, no-match reasons, call notes,
"Klopt dit niet?" report texts and the providers' answers.

Earlier versions stored what the forms let through (a BSN in a provider note, a parent's phone
number in a no-match reason). `scan` finds every stored value that the shared check
(domain/client_data.py, plus control characters) would now refuse; `blank` empties them, the
append-only history included: removing client data is the one reason to touch past history rows,
and it is done with a plain UPDATE on those rows' text only (who changed what and when stays).
Nothing here returns or prints the values themselves.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.domain.client_data import find_client_data
from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.domain.plain_text import has_control_characters
from beschikbaarheid.domain.plausibility import MAX_NOTE_LENGTH
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CallLog, Feedback, Location, NoMatchReport, Offering, OfferingChange, Provider
from beschikbaarheid.models.contract_mgmt import CALL_NOTE_MAX
from beschikbaarheid.models.feedback import FEEDBACK_ANSWER_MAX, FEEDBACK_TEXT_MAX
from beschikbaarheid.search.forms import REASON_MAX

KIND_LABELS = {
    "control": "stuurteken",
    "bsn": "BSN",
    "birth_date": "geboortedatum",
    "email": "e-mailadres",
    "phone": "telefoonnummer",
    "address": "adres",
    "name": "naam",
    "narrative": "verhaal over een cliënt",
    "length": "te lang",
}


@dataclass(frozen=True)
class StoredFinding:
    """One stored value the check refuses: where it is and what kind of client data it looks like."""

    table: str
    id: int
    field: str
    kind: str

    def __str__(self) -> str:
        return f"{self.table} {self.id} {self.field}: {KIND_LABELS.get(self.kind, self.kind)}"


def problem(text: str | None, *, max_length: int, own=(), written: dt.date | None = None) -> str | None:
    """The kind of problem in one stored text, or None; dates of birth are judged from the day it was written."""
    if not text:
        return None
    if has_control_characters(text, multiline=True):
        return "control"
    finding = find_client_data(text, max_length=max_length, own=own, today=written)
    return finding.kind if finding else None


def _day(moment: dt.datetime | None) -> dt.date | None:
    return local_date(moment) if moment else None


def scan() -> Iterator[StoredFinding]:
    """Every stored free-text value that today's check refuses, table by table."""
    contacts = (Provider.intake_phone, Provider.crisis_phone, Provider.intake_email, Location.street)
    notes = (
        sa.select(Offering.id, Offering.note, Offering.updated_at, *contacts)
        .join(Provider, Offering.provider_id == Provider.id).join(Location, Offering.location_id == Location.id)
        .where(Offering.note != "")
        .order_by(Offering.id)
    )
    for oid, note, updated_at, *own in db.session.execute(notes):
        if kind := problem(note, max_length=MAX_NOTE_LENGTH, own=own, written=_day(updated_at)):
            yield StoredFinding("offering", oid, "note", kind)

    history = (
        sa.select(OfferingChange.id, OfferingChange.old_value, OfferingChange.new_value, OfferingChange.changed_at, *contacts)
        .join(Offering, OfferingChange.offering_id == Offering.id)
        .join(Provider, Offering.provider_id == Provider.id).join(Location, Offering.location_id == Location.id)
        .where(OfferingChange.field == "note")
        .order_by(OfferingChange.id)
    )
    for cid, old, new, changed_at, *own in db.session.execute(history):
        for name, value in (("old_value", old), ("new_value", new)):
            if kind := problem(value, max_length=MAX_NOTE_LENGTH, own=own, written=_day(changed_at)):
                yield StoredFinding("offering_change", cid, name, kind)

    reasons = sa.select(NoMatchReport.id, NoMatchReport.reason, NoMatchReport.day).where(NoMatchReport.reason != "").order_by(NoMatchReport.id)
    for rid, reason, day in db.session.execute(reasons):
        if kind := problem(reason, max_length=REASON_MAX, written=day):
            yield StoredFinding("no_match_report", rid, "reason", kind)

    reports = (
        sa.select(Feedback.id, Feedback.text, Feedback.created_at, Feedback.answer_text, Feedback.answered_at, *contacts)
        .join(Offering, Feedback.offering_id == Offering.id)
        .join(Provider, Offering.provider_id == Provider.id).join(Location, Offering.location_id == Location.id)
        .where(sa.or_(Feedback.text != "", Feedback.answer_text != ""))
        .order_by(Feedback.id)
    )
    for fid, text, created_at, answer_text, answered_at, *own in db.session.execute(reports):
        # The referrer's text is anonymous (no `own`); the provider's answer may name its own contact details.
        if kind := problem(text, max_length=FEEDBACK_TEXT_MAX, written=_day(created_at)):
            yield StoredFinding("feedback", fid, "text", kind)
        if kind := problem(answer_text, max_length=FEEDBACK_ANSWER_MAX, own=own, written=_day(answered_at)):
            yield StoredFinding("feedback", fid, "answer_text", kind)

    calls = sa.select(CallLog.id, CallLog.note, CallLog.created_at).where(CallLog.note != "").order_by(CallLog.id)
    for lid, note, created_at in db.session.execute(calls):
        if kind := problem(note, max_length=CALL_NOTE_MAX, written=_day(created_at)):
            yield StoredFinding("call_log", lid, "note", kind)


_COLUMNS = {
    ("offering", "note"): Offering.__table__.c.note,
    ("offering_change", "old_value"): OfferingChange.__table__.c.old_value,
    ("offering_change", "new_value"): OfferingChange.__table__.c.new_value,
    ("no_match_report", "reason"): NoMatchReport.__table__.c.reason,
    ("call_log", "note"): CallLog.__table__.c.note,
    ("feedback", "text"): Feedback.__table__.c.text,
    ("feedback", "answer_text"): Feedback.__table__.c.answer_text,
}


def blank(findings: list[StoredFinding]) -> Counter:
    """Empty the given values (one UPDATE per table and field) and commit; counts per table.

    A blanked offering gets a new version, so a form opened before it cannot save over it unseen.
    The history rows are updated with a Core statement: the ORM refuses to change them (append-only).
    """
    ids: dict[tuple[str, str], list[int]] = {}
    for f in findings:
        ids.setdefault((f.table, f.field), []).append(f.id)
    counts: Counter = Counter()
    for (table, field), wanted in ids.items():
        column = _COLUMNS[(table, field)]
        values = {field: ""}
        if table == "offering":
            values["version"] = Offering.__table__.c.version + 1
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            db.session.execute(sa.update(column.table).where(column.table.c.id.in_(chunk)).values(**values))
        counts[table] += len(wanted)
    db.session.commit()
    return counts
