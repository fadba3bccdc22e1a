"""Benchmark: the daily plek-alert run, 10,000 saved searches against a day's changes at national scale.

The register is bench_search.py's national generator (4,000 providers, 40,000 contracted offerings,
46 products). 5,000 referrers save 10,000 searches drawn like bench_search's random searches (place,
age, groups, radius, 30% with a maximum wait); with BENCH_ALERT_MIX=place (default) the need is what
referrers wait for, a product with places (stay, part-time stay, day treatment) by name or code,
with BENCH_ALERT_MIX=search it is bench_search's mix (codes, names with typos, segments,
categories). A first run sets every alert's baseline: it runs every saved search once to find every
offering that matches it (what a new installation or migration 0013 costs once). Then a day's
changes go through the real update path (services/offerings.apply_update): BENCH_CHANGED offerings
(default 2,000, 5% of them: a month of updates spread over about 20 working days) get new free
places (one more or one fewer), a new wait (a few weeks up or down) or a new intake status. The
timed run is the job itself (`run_alert_job`) with a sender that accepts every mail without a
network (SMTP is bench_reminders.py's subject); the mails are built (templates rendered) and
claimed as in production. Afterwards 300 random alerts' snapshots are compared with a fresh
search (`check_snapshots`): they must hold exactly the offerings that match now, with their figures.

    .venv/bin/python bench/bench_alerts.py
Environment: BENCH_ALERTS (10000), BENCH_CHANGED (2000), BENCH_SEED (17), BENCH_DATABASE_URL (default:
a temporary SQLite file; a PostgreSQL database is emptied first). Writes bench/results/alerts.json
(or alerts_postgresql.json) and prints it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from bench_search import NOW, catalogue_rows, generate, random_query  # noqa: E402
from benchlib import code_version  # noqa: E402
from beschikbaarheid import create_app, mail  # noqa: E402
from beschikbaarheid.extensions import db  # noqa: E402
from beschikbaarheid.domain import alerts as rules  # noqa: E402
from beschikbaarheid.models import AlertSeen, Offering, SearchAlert, User  # noqa: E402
from beschikbaarheid.search import service as search  # noqa: E402
from beschikbaarheid.services import alerts  # noqa: E402
from beschikbaarheid.services.offerings import apply_update  # noqa: E402
from jobs.alerts import run_alert_job  # noqa: E402

ALERTS = int(os.environ.get("BENCH_ALERTS", 10_000))
MIX = os.environ.get("BENCH_ALERT_MIX", "place")  # place | search
CHANGED = int(os.environ.get("BENCH_CHANGED", 2_000))
SEED = int(os.environ.get("BENCH_SEED", 17))
BUDGET_S = 10.0


def accept_all(mails, *, on_result=None, **_kw):
    """A sender without a network: every mail 'sent' (the run's claim and bookkeeping still happen)."""
    results = [mail.SendResult(m, "sent", message_id=f"<bench-{i}@bench>") for i, m in enumerate(mails)]
    for result in results:
        if on_result:
            on_result(result)
    return results


def add_alerts(rng: random.Random, now: dt.datetime) -> None:
    """5,000 referrers with two saved searches each, no baseline yet."""
    users = ALERTS // 2
    db.session.execute(sa.insert(User), [
        {"email": f"verwijzer{i}@bench.example", "name": f"Verwijzer {i}", "password_hash": "x", "role": "verwijzer",
         "referrer_type": "01", "active": True, "created_at": now, "session_generation": 0, "is_org_admin": False}
        for i in range(users)
    ])
    user_ids = list(db.session.scalars(sa.select(User.id).where(User.role == "verwijzer").order_by(User.id)))
    products = catalogue_rows()
    places = [p for p in products if p["form"] in ("wonen", "verblijf", "deeltijd", "dagbehandeling")]
    rows = []
    for i in range(ALERTS):
        q = random_query(rng, products)
        if MIX == "place":
            # What referrers wait for: a product with places (stay, part-time stay, day treatment), by name or code.
            product = rng.choice(places)
            q["product"] = product["code"] if rng.random() < 0.5 else product["name"].lower()
        if rng.random() < 0.3:  # referrers waiting for a place often set a maximum wait
            q["max_wachttijd"] = str(rng.choice([8, 12, 26]))
        rows.append({"user_id": user_ids[i % len(user_ids)], "query": urlencode(sorted(q.items())), "created_at": now,
                     "expires_at": now + dt.timedelta(days=60), "product_ids": ""})
    db.session.execute(sa.insert(SearchAlert), rows)
    db.session.commit()


def a_days_changes(rng: random.Random) -> dict:
    """CHANGED offerings updated through the real update path: places, waits and intake as providers change them."""
    ids = list(db.session.scalars(sa.select(Offering.id)))
    counts = {"free_places": 0, "waiting_weeks": 0, "intake_status": 0}
    for oid in rng.sample(ids, CHANGED):
        offering = db.session.get(Offering, oid)
        kind = rng.choices(list(counts), [40, 45, 15])[0]
        if kind == "free_places":  # a place frees up or is filled, one at a time
            value = max(0, (offering.free_places or 0) + rng.choice([-1, 1]))
        elif kind == "waiting_weeks":
            value = max(0, (offering.waiting_weeks or 10) + rng.choice([-4, -2, -1, 1, 2, 4]))
        else:
            value = rng.choice([s for s in ("open", "overleg", "gesloten") if s != offering.intake_status])
        apply_update(offering, {kind: value}, author="bench", via="form")
        counts[kind] += 1
    db.session.commit()
    return counts


def check_snapshots(rng: random.Random, as_of: dt.datetime, sample: int = 300) -> dict:
    """After the run, each alert's snapshot must hold exactly what a fresh search finds matching now
    within the distance the alert looks (services/alerts.baseline): every matching offering with
    its figures, and nothing else marked as matching. Checked for a random sample of alerts."""
    ids = rng.sample(list(db.session.scalars(sa.select(SearchAlert.id).where(SearchAlert.lat.is_not(None)))), sample)
    agree = 0
    for alert in db.session.scalars(sa.select(SearchAlert).where(SearchAlert.id.in_(ids))):
        fresh = alerts.baseline(search.prepare(alerts.query_args(alert.query), now=as_of), alert.reach_km).seen
        kept = {row.offering_id: rules.Seen(row.free_places, row.intake_status, row.waiting_weeks)
                for row in db.session.scalars(sa.select(AlertSeen).where(AlertSeen.alert_id == alert.id, AlertSeen.matches.is_(True)))}
        agree += fresh == kept
        if fresh != kept:
            print("DIFFERENT", alert.id, alert.query, {oid: (fresh.get(oid), kept.get(oid)) for oid in fresh.keys() | kept.keys()
                                                         if fresh.get(oid) != kept.get(oid)}, flush=True)
    return {"alerts": sample, "agree_with_a_fresh_search": agree}


def main() -> None:
    rng = random.Random(SEED)
    tmp = tempfile.TemporaryDirectory(prefix="bench_alerts_")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp.name}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "https://wijzer.bench"}, env="test")
    database = url.split(":", 1)[0].split("+")[0]
    result: dict = {"benchmark": "alerts", "database": database, "code": code_version(ROOT),
                    "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "clock": NOW.isoformat(),
                    "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                                "load_average_before": [round(x, 2) for x in os.getloadavg()]}}
    with app.app_context():
        db.drop_all()
        db.create_all()
        t = time.perf_counter()
        result["generated"] = generate(random.Random(11), NOW)
        add_alerts(rng, NOW)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        result["generate_s"] = round(time.perf_counter() - t, 1)
        print("generated", result["generated"], f"in {result['generate_s']} s", flush=True)

        t = time.perf_counter()
        first = run_alert_job(NOW, send=accept_all)
        result["baseline_run"] = {"seconds": round(time.perf_counter() - t, 2), **first.result.summary(),
                                  "what": "every saved search run once to set its baseline (every matching offering)"}
        print("baseline", result["baseline_run"], flush=True)

        result["alert_mix"] = MIX
        result["changes"] = a_days_changes(rng)
        as_of = NOW + dt.timedelta(days=1)
        profile = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        t = time.perf_counter()
        run = run_alert_job(as_of, send=accept_all)
        seconds = time.perf_counter() - t
        if profile:
            import pstats

            profile.disable()
            pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(45)
        assert run.status == "ok", run.error
        out = run.result
        result["daily_run"] = {"seconds": round(seconds, 2), "budget_s": BUDGET_S, "within_budget": seconds <= BUDGET_S,
                               **out.summary(), "openings_mailed": sum(len(d.openings) for d in out.sent),
                               "what": "run_alert_job after a day's changes: each change decided against the snapshots of the alerts it concerns, no searches"}
        print("daily", result["daily_run"], flush=True)
        result["snapshots_checked"] = check_snapshots(rng, as_of)
        print("snapshots", result["snapshots_checked"], flush=True)
        t = time.perf_counter()
        again = run_alert_job(as_of, send=accept_all).result
        result["second_run_same_day"] = {"seconds": round(time.perf_counter() - t, 2), **again.summary()}
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    name = "alerts.json" if database == "sqlite" else f"alerts_{database}.json"
    out_path = ROOT / "bench" / "results" / name
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()
