"""Recording administrative changes in the audit trail (models/audit.py).

Every administrative change path calls `record` (or `record_changes` with the object before and
after) in the same transaction as the change, so a change is never saved without its audit row
and an audit row never describes a change that was rolled back. The caller commits.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, User


def as_text(value) -> str | None:
    """A value as the trail shows it: None stays None, lists become 'a|b', the rest str()."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        return "|".join(sorted(str(v) for v in value))
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def snapshot(obj, fields: Iterable[str]) -> dict[str, str | None]:
    """The named attributes of an object as text: take one before a change, compare after."""
    return {name: as_text(getattr(obj, name)) for name in fields}


def diff(before: Mapping[str, str | None], after: Mapping[str, str | None]) -> dict[str, list[str | None]]:
    """{"field": [old, new]} for every field whose text changed."""
    return {name: [before.get(name), after.get(name)] for name in after if before.get(name) != after.get(name)}


def record(actor: User | str | None, *, region_id: int | None, action: str, entity: str, entity_id: int | None = None,
           summary: str = "", changes: Mapping[str, list] | None = None) -> AuditEvent:
    """Append one event (not committed). `actor` is the logged-in user, or a label such as "cli"."""
    if isinstance(actor, User):
        actor_id, actor_label = actor.id, actor.email
    else:
        actor_id, actor_label = None, actor or "systeem"
    event = AuditEvent(
        region_id=region_id, actor_id=actor_id, actor=actor_label[:254], action=action, entity=entity,
        entity_id=entity_id, summary=summary[:300], changes_json=json.dumps(dict(changes or {}), ensure_ascii=False, sort_keys=True),
    )
    db.session.add(event)
    return event
