"""The anonymous logs of the search: every successful search (one upsert keyed on its anonymous
ref, so a referrer's refinements count once) and the "geen passend aanbod" flags. What is stored,
and why nothing more, is told in models/search_log.py."""
from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import MutableMapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import NoMatchReport, SearchLog, age_band
from beschikbaarheid.search.service import SearchOutcome


def _anonymous_facts(outcome: SearchOutcome) -> dict:
    """The only facts of a search that are stored (models/search_log.py says why)."""
    need = outcome.need
    products = [p for p in outcome.catalogue if p.id in need.strengths]
    best = max(products, key=lambda p: (need.strengths[p.id], p.code)) if products else None
    single = need.kind in ("code", "name") and best is not None
    categories = {p.category for p in products}
    segments = {p.segment for p in products}
    return {
        "day": freshness.local_date(outcome.now),
        "region_id": outcome.region.id if outcome.region else None,
        "need_kind": need.kind,
        "product_id": best.id if single else None,
        "product_code": best.code if single else None,
        "segment": segments.pop() if len(segments) == 1 else None,
        "category": categories.pop() if len(categories) == 1 else None,
        "municipality_code": outcome.place.cbs_code,
        "pc4": outcome.place.pc4 if outcome.place.kind == "pc4" else None,
        "age_band": age_band(outcome.input.leeftijd),
        "result_count": outcome.result_count,
        "within_radius_count": outcome.nearby_total,
    }


def log_search(outcome: SearchOutcome, *, source: str, seen: MutableMapping | None = None) -> dict | None:
    """Log a successful search anonymously; refinements of the same search in a session update one row.

    `seen` is the caller's per-session memory (the Flask session for the web page): htmx searches
    while the referrer adjusts filters would otherwise count one demand many times. The session
    holds one random seed; a search's `ref` is a keyed hash of that seed and the search's
    anonymous facts, so a refinement (same facts, other filters) gets the same ref and updates the
    row (one upsert), while refs of different sessions, or of different searches, cannot be linked
    without the seed, which only the referrer's browser has. API searches have no ref: each call
    is a row. Returns the row as written.
    """
    if not outcome.ok:
        return None
    facts = _anonymous_facts(outcome)
    row = {"source": source, "ref": None, **facts}
    table = SearchLog.__table__
    if seen is None:
        db.session.execute(sa.insert(table).values(row))
    else:
        seed = seen.get("zoeklog_seed")
        if not isinstance(seed, str):
            seed = seen["zoeklog_seed"] = secrets.token_urlsafe(16)
        identity = "|".join(str(facts[k]) for k in ("day", "region_id", "need_kind", "product_code", "segment", "category", "municipality_code", "pc4", "age_band"))
        digest = hashlib.blake2b(identity.encode(), key=seed.encode()[:64], digest_size=12).digest()
        row["ref"] = base64.urlsafe_b64encode(digest).decode()
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(table).values(row)
        db.session.execute(insert.on_conflict_do_update(
            index_elements=[table.c.ref],
            set_={"result_count": insert.excluded.result_count, "within_radius_count": insert.excluded.within_radius_count},
        ))
    db.session.commit()
    return row


def report_no_match(outcome: SearchOutcome, *, reason: str, referrer_type: str | None) -> NoMatchReport | None:
    """Store a "geen passend aanbod" flag with the same anonymous facts as the log."""
    if not outcome.ok:
        return None
    report = NoMatchReport(referrer_type=referrer_type, reason=" ".join((reason or "").split())[:200], **_anonymous_facts(outcome))
    db.session.add(report)
    db.session.commit()
    return report
