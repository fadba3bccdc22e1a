"""Benchmark: the contract manager's compliance page at national scale.

Generates 4,000 providers with ~10 contracted offerings each and 3 years of monthly history
(bulk inserts into a temporary SQLite file, and into PostgreSQL when BENCH_POSTGRES_URL is set),
then renders /contract/ through the Flask test client as a logged-in contract manager and reports
p50/p95 over the requests, twice: with the running month's figures cached (nothing changed since the
previous view) and computed on every request (as right after any provider update). The first render
(closed months not yet stored) is reported apart, and so is the machine's load average.

    .venv/bin/python bench/bench_compliance.py            # SQLite only
    psql -h 127.0.0.1 -U postgres -d test -c 'CREATE DATABASE bench_contract'   # once; its tables are replaced
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_contract \\
        .venv/bin/python bench/bench_compliance.py        # SQLite and PostgreSQL

Environment: BENCH_PROVIDERS (4000), BENCH_MONTHS (36), BENCH_REQUESTS (20), BENCH_SEED (7).
Writes bench/results/compliance.json and prints it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from beschikbaarheid import create_app  # noqa: E402
from beschikbaarheid.domain import compliance  # noqa: E402
from beschikbaarheid.extensions import db  # noqa: E402
from beschikbaarheid.models import (  # noqa: E402
    Contract,
    Location,
    Offering,
    OfferingChange,
    Product,
    Provider,
    Region,
    User,
    utcnow,
)

PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 4000))
MONTHS = int(os.environ.get("BENCH_MONTHS", 36))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 20))
SEED = int(os.environ.get("BENCH_SEED", 7))
PASSWORD = "wachtwoord-123"
BATCH = 20_000


def _products() -> list[dict]:
    """60 products over the five segments (codes shaped like a regional catalogue)."""
    rows = []
    for i in range(60):
        segment = i % 5 + 1
        rows.append({"id": i + 1, "region_id": 1, "code": f"4{3 + i % 3}B{i:02d}", "name": f"Bench product {i}",
                     "category": f"4{3 + i % 3}", "segment": segment, "form": "ambulant", "description": "", "keywords": ""})
    return rows


def generate(engine: sa.Engine, now: dt.datetime) -> dict:
    """Bulk-insert the national-scale register and its history; returns row counts.

    Per provider a diligence (how often it updates) is drawn; every month it either leaves its
    offerings alone or confirms/updates them (sometimes only half of them). Providers are written in
    batches: their offerings first (final values), then their history, so foreign keys hold.
    """
    rng = random.Random(SEED)
    months = compliance.months_back(now, MONTHS)
    hist_start, _ = compliance.month_bounds(months[0])
    counts = {"providers": PROVIDERS, "offerings": 0, "contracts": 0, "history_rows": 0}
    with engine.begin() as conn:
        conn.execute(Region.__table__.insert(), [{"id": 1, "name": "Landelijk (bench)", "compliance_target": 0.9,
                                                  "waiting_norm_weeks": 14, "created_at": now}])
        conn.execute(Product.__table__.insert(), _products())
        conn.execute(Provider.__table__.insert(), [
            {"id": p, "name": f"Bench aanbieder {p:05d}", "intake_email": f"intake{p}@bench.example",
             "intake_phone": "0492-000000", "created_at": now} for p in range(1, PROVIDERS + 1)
        ])
        locations, offerings, contracts, history = [], [], [], []
        offering_id = history_id = 0

        def flush() -> None:
            nonlocal locations, offerings, contracts, history
            for table, rows in ((Location, locations), (Contract, contracts), (Offering, offerings), (OfferingChange, history)):
                for i in range(0, len(rows), BATCH):
                    conn.execute(table.__table__.insert(), rows[i:i + BATCH])
            counts["offerings"] += len(offerings)
            counts["contracts"] += len(contracts)
            counts["history_rows"] += len(history)
            locations, offerings, contracts, history = [], [], [], []

        location_id = 0
        for p in range(1, PROVIDERS + 1):
            n_loc = rng.randint(1, 3)
            chosen = rng.sample(range(1, 61), rng.randint(5, 12))
            contracts += [{"region_id": 1, "provider_id": p, "product_id": pid, "valid_from": dt.date(2020, 1, 1), "valid_until": None}
                          for pid in chosen]
            mine = []
            for li in range(n_loc):
                location_id += 1
                locations.append({"id": location_id, "provider_id": p, "name": f"Locatie {li + 1}", "lat": 51.4 + rng.random(),
                                  "lon": 5.4 + rng.random(), "postcode": "5701", "woonplaats": "Helmond"})
                for pid in rng.sample(chosen, min(len(chosen), 12 // n_loc)):
                    offering_id += 1
                    state = {"id": offering_id, "provider_id": p, "location_id": location_id, "product_id": pid,
                             "waiting_weeks": rng.randint(0, 30), "free_places": rng.randint(0, 3), "updated_at": hist_start,
                             "kind": "import"}
                    mine.append(state)
                    for field_name in ("waiting_weeks", "free_places"):
                        history_id += 1
                        history.append({"id": history_id, "offering_id": offering_id, "changed_at": hist_start, "author": "bench",
                                        "user_id": None, "via": "import", "kind": "create", "field": field_name, "old_value": None,
                                        "new_value": str(state[field_name]), "unusual_confirmed": False})
            diligence = rng.choice((0.98, 0.95, 0.9, 0.85, 0.7, 0.5))
            for month in months:
                if rng.random() > diligence:
                    continue
                start, end = compliance.month_bounds(month)
                end = min(end, now)
                when = start + dt.timedelta(seconds=rng.randint(0, max(1, int((end - start).total_seconds()) - 1)))
                partial = rng.random() < 0.05
                for s in mine:
                    if partial and rng.random() < 0.5:
                        continue
                    history_id += 1
                    new = max(0, s["waiting_weeks"] + rng.randint(-4, 4)) if rng.random() < 0.25 else s["waiting_weeks"]
                    if new != s["waiting_weeks"]:
                        history.append({"id": history_id, "offering_id": s["id"], "changed_at": when, "author": "bench", "user_id": None,
                                        "via": "form", "kind": "update", "field": "waiting_weeks",
                                        "old_value": str(s["waiting_weeks"]), "new_value": str(new), "unusual_confirmed": False})
                        s["waiting_weeks"], s["kind"] = new, "update"
                    else:
                        history.append({"id": history_id, "offering_id": s["id"], "changed_at": when, "author": "bench", "user_id": None,
                                        "via": "form", "kind": "confirm", "field": None, "old_value": None, "new_value": None,
                                        "unusual_confirmed": False})
                        s["kind"] = "confirm"
                    s["updated_at"] = when
            offerings += [{"id": s["id"], "provider_id": p, "location_id": s["location_id"], "product_id": s["product_id"],
                           "capacity": 6, "free_places": s["free_places"], "waiting_weeks": s["waiting_weeks"], "intake_status": "open",
                           "age_min": 0, "age_max": 18, "target_groups": "", "note": "", "updated_at": s["updated_at"],
                           "updated_by": "bench", "last_update_kind": s["kind"], "unusual_confirmed": False, "stale": False, "version": 1}
                          for s in mine]
            if len(history) >= BATCH:
                flush()
        flush()
    return counts


def _fix_sequences(engine: sa.Engine) -> None:
    """Explicit ids were inserted; move PostgreSQL sequences past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in ("region", "product", "provider", "location", "contract", "offering", "offering_change", "user"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"))
        conn.execute(sa.text("ANALYZE"))


def _percentile(values: list[float], p: float) -> float:
    data = sorted(values)
    rank = (len(data) - 1) * p / 100
    low, high = int(rank), min(len(data) - 1, int(rank) + 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def run(url: str, label: str) -> dict:
    """Build the data on one database and time the page."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}, env="test")
    now = utcnow()
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        counts = generate(db.engine, now)
        _fix_sequences(db.engine)
        if db.engine.dialect.name == "sqlite":
            with db.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
        gen_seconds = time.perf_counter() - t0
        manager = User(email="cm@bench.example", name="CM", role="contractmanager", region_id=1)
        manager.set_password(PASSWORD)
        db.session.add(manager)
        db.session.commit()

    client = app.test_client()
    html = client.get("/account/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    login = client.post("/account/inloggen", data={"email": "cm@bench.example", "password": PASSWORD, "csrf_token": token})
    assert login.status_code == 302, login.status_code

    def timed(path: str) -> tuple[float, float, int, str]:
        t, c = time.perf_counter(), time.process_time()
        response = client.get(path)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000, response.status_code, body

    def series(label: str) -> dict:
        walls, cpus = [], []
        for _ in range(REQUESTS):
            wall, cpu, status, body = timed("/contract/")
            assert status == 200, body[:300]
            walls.append(wall)
            cpus.append(cpu)
        return {
            "requests": REQUESTS,
            "p50_ms": round(statistics.median(walls), 1),
            "p95_ms": round(_percentile(walls, 95), 1),
            "max_ms": round(max(walls), 1),
            "cpu_p50_ms": round(statistics.median(cpus), 1),
            "meets_200ms_p95": _percentile(walls, 95) <= 200,
            "what": label,
        }

    cold_ms, cold_cpu, status, body = timed("/contract/")
    assert status == 200, body[:500]
    match = re.search(r'data-share="([^"]+)"', body)
    cached = series("figures unchanged since the previous view (fingerprint cache hit; closed months stored)")
    app.config["CONTRACT_COMPLIANCE_CACHE"] = False
    computed = series("running month computed every time (as right after any update); closed months stored")
    app.config["CONTRACT_COMPLIANCE_CACHE"] = True
    others = {}
    for path in ("/contract/wachttijden", "/contract/kwaliteit", "/contract/tekorten", "/contract/aanbieder/1",
                 "/contract/export/naleving-aanbieders.csv", "/contract/export/naleving.xlsx"):
        wall, _cpu, status, _ = timed(path)
        others[path] = {"ms": round(wall, 1), "status": status}
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {
        "database": label,
        "generated": counts,
        "generate_seconds": round(gen_seconds, 1),
        "compliance_page": {
            "target_ms": 200,
            "first_render_ms": round(cold_ms, 1),
            "first_render_note": "computes and stores the 11 closed months once (replayed from the history)",
            "cached": cached,
            "computed": computed,
            "share_shown": match.group(1) if match else None,
        },
        "other_pages_single_render": others,
        "load_average_after": [round(x, 2) for x in load] if load else None,
    }


def main() -> None:
    results = {
        "benchmark": "compliance page (/contract/) at national scale",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        results["runs"].append(run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", "sqlite"))
    pg = os.environ.get("BENCH_POSTGRES_URL")
    if pg:
        results["runs"].append(run(pg, "postgresql"))
    out = ROOT / "bench" / "results" / "compliance.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
