"""The data-quality page counts and pages flags in the database (the SQL form of each rule); the
dossier words every flag with the domain rules themselves. On the same offerings both must show
the same flags, on SQLite and PostgreSQL, including the edges of each rule."""
import datetime as dt

from beschikbaarheid.contract.quality import provider_flags, quality_page
from beschikbaarheid.contract.region import context_for
from beschikbaarheid.domain import quality as rules
from beschikbaarheid.domain.freshness import month_start
from beschikbaarheid.extensions import db
from beschikbaarheid.models import utcnow
from beschikbaarheid.services.offerings import apply_update, confirm_unchanged, record_creation
from tests import factories

MAX_JUMP = 12


def months_ago(now: dt.datetime, n: int) -> dt.datetime:
    return rules.months_before(now, n)


def build(now: dt.datetime):
    """One offering per edge of the rules, over two providers; returns {name: offering}."""
    region = factories.region()
    product = factories.product("43A10", "Gezinshuis", region)
    other = factories.product("45A01", "Ambulant", region, segment=4, form="ambulant")
    providers = [factories.provider("Randgeval BV"), factories.provider("Tweede BV")]
    cutoff = rules.months_before(now, rules.CONFIRM_ONLY_MONTHS)
    made = {}

    def offering(name, provider=0, **values):
        made[name] = factories.offering(factories.location(providers[provider], name=name), product, **{"updated_at": now, **values})
        return made[name]

    def history(o, *steps):
        """(kind, when[, changes]) steps written through the one write path, in order."""
        for kind, when, *changes in steps:
            if kind == "create":
                record_creation(o, author="import", via="import", now=when)
            elif kind == "update":
                apply_update(o, changes[0], author="a@b.nl", via="form", now=when)
            else:
                confirm_unchanged(o, author="a@b.nl", via="form", now=when)

    offering("no place, no wait", waiting_weeks=0, free_places=0)
    offering("no wait, places unknown", waiting_weeks=0, free_places=None)
    offering("no wait, two places", waiting_weeks=0, free_places=2)
    offering("capacity unknown", capacity=None, free_places=5)
    offering("more free than capacity", capacity=2, free_places=3)
    offering("full", capacity=2, free_places=2)
    offering("never updated", provider=1).updated_at = None
    offering("stale", provider=1, updated_at=month_start(now) - dt.timedelta(microseconds=1))
    history(offering("confirmed for eight months"), ("create", months_ago(now, 8)),
            *[("confirm", months_ago(now, n)) for n in range(7, -1, -1)])
    history(offering("changed five months ago"), ("create", months_ago(now, 8)), ("update", months_ago(now, 5), {"free_places": 2}),
            ("confirm", now))
    history(offering("changed at the cutoff", provider=1), ("create", cutoff), ("confirm", now))
    history(offering("changed just after the cutoff", provider=1), ("create", cutoff + dt.timedelta(seconds=1)), ("confirm", now))
    history(offering("confirmed long ago, stale", provider=1), ("create", months_ago(now, 9)), ("confirm", months_ago(now, 7)))
    history(offering("created and confirmed at once"), ("create", months_ago(now, 7)), ("confirm", months_ago(now, 7)))
    history(offering("only confirmations"), ("confirm", months_ago(now, 9)), ("confirm", now))
    offering("confirmed without history").last_update_kind = "confirm"
    history(offering("last action an update"), ("create", months_ago(now, 8)), ("update", months_ago(now, 2), {"waiting_weeks": 5}))
    history(offering("jumps", waiting_weeks=4), ("create", months_ago(now, 9)), ("update", months_ago(now, 8), {"waiting_weeks": 40}),
            ("update", months_ago(now, 3), {"waiting_weeks": 4}), ("update", months_ago(now, 2), {"waiting_weeks": 16}),
            ("update", months_ago(now, 1), {"waiting_weeks": 29}))
    # Realised against expected: twice and 4 weeks more over 3 starts is flagged; each edge just missed is not.
    offering("realised twice and 4 more", waiting_weeks=4, realised_wait_weeks=8, realised_started=3)
    offering("realised just under twice", waiting_weeks=5, realised_wait_weeks=9.9, realised_started=5)
    offering("realised over two starts", waiting_weeks=2, realised_wait_weeks=20, realised_started=2)
    offering("realised only 3.5 more", waiting_weeks=1, realised_wait_weeks=4.5, realised_started=10)
    offering("realised, no starts", waiting_weeks=3, realised_wait_weeks=None, realised_started=0)
    # Not contracted: flags on it are nobody's business here.
    made["not contracted"] = factories.offering(factories.location(providers[1], name="elders"), other, contract=False,
                                                waiting_weeks=0, free_places=0, capacity=None, updated_at=None)
    db.session.commit()
    return region, providers, made


def test_page_and_dossier_flag_the_same_offerings(app):
    with app.app_context():
        now = utcnow()
        region, providers, made = build(now)
        ctx = context_for(region, now, app.config)
        names = {o.id: name for name, o in made.items()}
        in_dossier = [f for p in providers for f in provider_flags(ctx, p.id, MAX_JUMP)]
        everything = quality_page(ctx, MAX_JUMP)
        for kind in rules.FLAG_KINDS:
            page = quality_page(ctx, MAX_JUMP, kind=kind)
            shown = sorted((names[f.offering_id], f.detail) for f in page.flags)
            assert shown == sorted((names[f.offering_id], f.detail) for f in in_dossier if f.kind == kind), kind
            assert everything.counts[kind] == page.total == len(shown), kind
        flagged = lambda kind: sorted(names[f.offering_id] for f in in_dossier if f.kind == kind)  # noqa: E731
        assert flagged("confirm_only") == ["changed at the cutoff", "confirmed for eight months", "confirmed long ago, stale",
                                           "only confirmations"]
        assert flagged("stale") == ["confirmed long ago, stale", "created and confirmed at once", "jumps", "last action an update",
                                    "never updated", "stale"]
        assert flagged("zero_wait_no_place") == ["no place, no wait"]
        assert flagged("zero_wait") == ["no wait, places unknown", "no wait, two places"]
        assert flagged("free_above_capacity") == ["more free than capacity"] and flagged("capacity_missing") == ["capacity unknown"]
        assert flagged("realised_above_expected") == ["realised twice and 4 more"]
        assert "Gerealiseerd 8 weken (n = 3) tegen 4 weken verwacht." in [f.detail for f in in_dossier]
        assert flagged("jump") == ["jumps", "jumps"]  # 40 -> 4 and 16 -> 29; 4 -> 16 is the threshold itself, 4 -> 40 too long ago
        assert [f.kind for f in everything.flags] == [f.kind for f in rules.order_flags(in_dossier)]
