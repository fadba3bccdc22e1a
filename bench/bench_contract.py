"""Benchmark: every contract-manager page at national scale, on SQLite and PostgreSQL.

Generates 4,000 providers with ~40,000 contracted offerings, 36 months of offering history and a
year of anonymous search log (bulk inserts into a temporary SQLite file, and into PostgreSQL when
BENCH_POSTGRES_URL is set; then ANALYZE, and on PostgreSQL VACUUM, as a running database's
autovacuum does), logs in as a contract manager and renders each page through the Flask
test client: the first render is reported apart, then BENCH_REQUESTS renders give p50/p95 (the
budget is p95 <= 300 ms; of 15 renders the p95 would be the slowest one, so 40 are taken). The
dossier is asked for a different provider on every request. Each export is rendered a few times
too (no budget; reported for information).

    .venv/bin/python bench/bench_contract.py                 # SQLite only
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_contract \\
        .venv/bin/python bench/bench_contract.py             # SQLite and PostgreSQL (its tables are replaced)
    .venv/bin/python bench/bench_contract.py --code /work/base --label before   # an older tree, same data

--code imports the application from another checkout (the data generator only uses the register
tables every version has, and fills offering.values_changed_at where it exists); --label names the entry in bench/results/contract.json (default
"current"); other labels in the file are kept, so before and after sit side by side.
--config KEY=JSON sets an app setting for the run (e.g. to switch a cache off in a tree that has one).
Environment: BENCH_PROVIDERS (4000), BENCH_MONTHS (36), BENCH_REQUESTS (40), BENCH_SEED (7).
"""
from __future__ import annotations

import argparse
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

from benchlib import code_version

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 4000))
MONTHS = int(os.environ.get("BENCH_MONTHS", 36))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 40))
SEED = int(os.environ.get("BENCH_SEED", 7))
BUDGET_P95_MS = 300
EXPORT_REQUESTS = 3
PASSWORD = "wachtwoord-123"
BATCH = 20_000
SEARCHES_PER_YEAR = 60_000
MUNICIPALITIES = 342
PAGES = ("/contract/", "/contract/wachttijden", "/contract/kwaliteit", "/contract/tekorten", "/contract/aanbieder/{provider}",
         "/contract/tekort", "/contract/verwacht-gerealiseerd")
EXPORTS = ("naleving.csv", "naleving-aanbieders.csv", "wachttijden.xlsx", "tekorten.csv", "tekorten-gemeenten.csv",
           "tekort-per-product.xlsx", "verwacht-gerealiseerd.xlsx", "/contract/kwartaalrapportage/{quarter}.xlsx")
FEEDBACK_PER_YEAR = 12_000  # "Klopt dit niet?" reports nationally: a few per offering per year at most


def _products() -> list[dict]:
    """60 products over the five segments (codes shaped like a regional catalogue)."""
    rows = []
    for i in range(60):
        segment = i % 5 + 1
        rows.append({"id": i + 1, "region_id": 1, "code": f"4{3 + i % 3}B{i:02d}", "name": f"Bench product {i}",
                     "category": f"4{3 + i % 3}", "segment": segment, "form": "ambulant", "description": "", "keywords": ""})
    return rows


def generate(models, conn, now: dt.datetime, months: list[dt.date], month_bounds) -> dict:
    """Bulk-insert the national-scale register, its history and a year of search log; returns row counts.

    Per provider a diligence (how often it updates) is drawn; every month it either leaves its
    offerings alone or confirms/updates them (sometimes only half of them). Providers are written in
    batches: their offerings first (final values), then their history, so foreign keys hold.
    """
    rng = random.Random(SEED)
    hist_start, _ = month_bounds(months[0])
    values_column = "values_changed_at" in models.Offering.__table__.c  # written by the history service in later trees
    practice = "waiting_count" in models.Offering.__table__.c  # children waiting and realised waits (issue 15)
    counts = {"providers": PROVIDERS, "offerings": 0, "contracts": 0, "history_rows": 0}
    conn.execute(models.Region.__table__.insert(), [{"id": 1, "name": "Landelijk (bench)", "compliance_target": 0.9,
                                                     "waiting_norm_weeks": 14, "created_at": now}])
    conn.execute(models.Product.__table__.insert(), _products())
    conn.execute(models.Provider.__table__.insert(), [
        {"id": p, "name": f"Bench aanbieder {p:05d}", "intake_email": f"intake{p}@bench.example",
         "intake_phone": "0492-000000", "created_at": now} for p in range(1, PROVIDERS + 1)
    ])
    locations, offerings, contracts, history = [], [], [], []
    history_id = offering_id = location_id = 0

    def flush() -> None:
        """Write the batch: locations and contracts before offerings, offerings before their history."""
        nonlocal locations, offerings, contracts, history
        for model, rows in ((models.Location, locations), (models.Contract, contracts), (models.Offering, offerings),
                            (models.OfferingChange, history)):
            for i in range(0, len(rows), BATCH):
                conn.execute(model.__table__.insert(), rows[i:i + BATCH])
        counts["offerings"] += len(offerings)
        counts["contracts"] += len(contracts)
        counts["history_rows"] += len(history)
        locations, offerings, contracts, history = [], [], [], []

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
                state = {"id": offering_id, "location_id": location_id, "product_id": pid, "waiting_weeks": rng.randint(0, 30),
                         "free_places": rng.randint(0, 3), "updated_at": hist_start, "values_at": hist_start, "kind": "import"}
                if practice:  # four in five report children waiting, three in five a realised wait
                    state["waiting_count"] = rng.randint(0, 40) if rng.random() < 0.8 else None
                    started = rng.randint(0, 8) if rng.random() < 0.6 else None
                    state["realised_started"] = started
                    state["realised_wait_weeks"] = (round(state["waiting_weeks"] * rng.uniform(0.7, 3.0), 1) if started else None)
                mine.append(state)
                for field_name in ("waiting_weeks", "free_places", *(("waiting_count",) if practice else ())):
                    if state[field_name] is None:
                        continue
                    history_id += 1
                    history.append({"id": history_id, "offering_id": offering_id, "changed_at": hist_start, "author": "bench",
                                    "user_id": None, "via": "import", "kind": "create", "field": field_name, "old_value": None,
                                    "new_value": str(state[field_name]), "unusual_confirmed": False})
        diligence = rng.choice((0.98, 0.95, 0.9, 0.85, 0.7, 0.5))
        for month in months:
            if rng.random() > diligence:
                continue
            start, end = month_bounds(month)
            when = start + (min(end, now) - start) * rng.random()  # one draw whatever the span: same data every day
            partial = rng.random() < 0.05
            for s in mine:
                if partial and rng.random() < 0.5:
                    continue
                history_id += 1
                new = s["waiting_weeks"]
                if rng.random() < 0.25:  # a change; one in fifty a jump the quality page asks about
                    new = max(0, new + (rng.choice((-20, 20)) if rng.random() < 0.02 else rng.choice((-4, -2, -1, 1, 2, 4))))
                if practice and s["waiting_count"] is not None and rng.random() < 0.3:  # the list moves with the season
                    count = max(0, s["waiting_count"] + rng.choice((-3, -1, 1, 2, 4)))
                    history_id += 1
                    history.append({"id": history_id, "offering_id": s["id"], "changed_at": when, "author": "bench", "user_id": None,
                                    "via": "form", "kind": "update", "field": "waiting_count",
                                    "old_value": str(s["waiting_count"]), "new_value": str(count), "unusual_confirmed": False})
                    s["waiting_count"] = count
                    history_id += 1
                if new != s["waiting_weeks"]:
                    history.append({"id": history_id, "offering_id": s["id"], "changed_at": when, "author": "bench", "user_id": None,
                                    "via": "form", "kind": "update", "field": "waiting_weeks",
                                    "old_value": str(s["waiting_weeks"]), "new_value": str(new), "unusual_confirmed": False})
                    s["waiting_weeks"], s["kind"], s["values_at"] = new, "update", when
                else:
                    history.append({"id": history_id, "offering_id": s["id"], "changed_at": when, "author": "bench", "user_id": None,
                                    "via": "form", "kind": "confirm", "field": None, "old_value": None, "new_value": None,
                                    "unusual_confirmed": False})
                    s["kind"] = "confirm"
                s["updated_at"] = when
        offerings += [{"id": s["id"], "provider_id": p, "location_id": s["location_id"], "product_id": s["product_id"],
                       "capacity": None if rng.random() < 0.03 else 6, "free_places": s["free_places"],
                       "waiting_weeks": s["waiting_weeks"], "intake_status": "open", "age_min": 0, "age_max": 18,
                       "target_groups": "", "note": "", "updated_at": s["updated_at"], "updated_by": "bench",
                       "last_update_kind": s["kind"], "unusual_confirmed": False, "stale": False, "version": 1,
                       **({"values_changed_at": s["values_at"]} if values_column else {}),
                       **({name: s[name] for name in ("waiting_count", "realised_wait_weeks", "realised_started")} if practice else {})}
                      for s in mine]
        if len(history) >= BATCH:
            flush()
    flush()
    counts.update(_search_log(models, conn, rng, now, months[-12:]))
    if hasattr(models, "Feedback"):
        counts.update(_feedback(models, conn, rng, now, offering_id))
    return counts


def _feedback(models, conn, rng: random.Random, now: dt.datetime, offerings: int) -> dict:
    """A year of "Klopt dit niet?" reports: most answered within days, some open, some put on the call list."""
    rows = []
    for _ in range(FEEDBACK_PER_YEAR):
        created = now - dt.timedelta(days=rng.uniform(0, 365))
        answered = created + dt.timedelta(days=rng.uniform(0.1, 12)) if rng.random() < 0.8 else None
        if answered is not None and answered > now:
            answered = None
        late = (answered or now) - created > dt.timedelta(days=7)
        rows.append({"offering_id": rng.randint(1, offerings), "created_at": created, "reason": rng.choice(("wachttijd", "geen_plek", "contact")),
                     "text": "", "referrer_type": None, "answered_at": answered, "answer": "klopt" if answered else None,
                     "answer_text": "", "answered_by": None, "escalated_at": created + dt.timedelta(days=7) if late else None})
    conn.execute(models.Feedback.__table__.insert(), rows)
    return {"feedback": len(rows)}


def _search_log(models, conn, rng: random.Random, now: dt.datetime, months: list[dt.date]) -> dict:
    """A year of anonymous searches (about one in six without an option within the radius) and no-match reports."""
    conn.execute(models.Municipality.__table__.insert(), [
        {"id": m, "cbs_code": f"{m:04d}", "name": f"Gemeente {m:03d}", "region_id": 1} for m in range(1, MUNICIPALITIES + 1)
    ])
    first, today = months[0], now.date()
    span = (today - first).days
    kinds = ("code", "name", "form", "segment", "category")
    searches, reports = [], []
    for _ in range(SEARCHES_PER_YEAR):
        kind = rng.choice(kinds)
        product = rng.randint(1, 60) if kind in ("code", "name") else None
        need = {"need_kind": kind, "product_id": product, "product_code": f"4{3 + (product - 1) % 3}B{product - 1:02d}" if product else None,
                "segment": rng.randint(1, 5) if kind == "segment" else None, "category": "43" if kind == "category" else None,
                "municipality_code": f"{rng.randint(1, MUNICIPALITIES):04d}", "pc4": None,
                "age_band": rng.choice(("0-3", "4-11", "12-17", "18+")), "day": first + dt.timedelta(days=rng.randint(0, span)),
                "region_id": 1}
        within = 0 if rng.random() < 0.17 else rng.randint(1, 12)
        searches.append({**need, "source": "web", "ref": None, "result_count": within + rng.randint(0, 5), "within_radius_count": within})
        if within == 0 and rng.random() < 0.3:
            reports.append({**need, "referrer_type": "01", "reason": rng.choice(("", "", "Geen plek voor 16-jarige met LVB")),
                            "result_count": 0, "within_radius_count": 0})
    for model, rows in ((models.SearchLog, searches), (models.NoMatchReport, reports)):
        for i in range(0, len(rows), BATCH):
            conn.execute(model.__table__.insert(), rows[i:i + BATCH])
    return {"search_log_rows": len(searches), "no_match_reports": len(reports)}


def _percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks, as the other benchmarks report."""
    data = sorted(values)
    rank = (len(data) - 1) * p / 100
    low, high = int(rank), min(len(data) - 1, int(rank) + 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def _summary(walls: list[float], cpus: list[float]) -> dict:
    """p50/p95/max of the wall times and the median CPU time of a series of requests."""
    return {"requests": len(walls), "p50_ms": round(statistics.median(walls), 1), "p95_ms": round(_percentile(walls, 95), 1),
            "max_ms": round(max(walls), 1), "cpu_p50_ms": round(statistics.median(cpus), 1)}


def run(url: str, label: str, config: dict) -> dict:
    """Build the data on one database, then time every page and export."""
    import sqlalchemy as sa

    from beschikbaarheid import create_app, models
    from beschikbaarheid.domain import compliance
    from beschikbaarheid.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, **config}, env="test")
    now = models.utcnow()
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            counts = generate(models, conn, now, compliance.months_back(now, MONTHS), compliance.month_bounds)
        # Explicit ids were inserted: move PostgreSQL's sequences past them. Then the statistics and
        # (PostgreSQL) the visibility map that a running database's autovacuum keeps.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if db.engine.dialect.name == "postgresql":
                for table in ("region", "product", "provider", "location", "contract", "offering", "offering_change", "user",
                              "municipality", "search_log", "no_match_report", *(("feedback",) if hasattr(models, "Feedback") else ())):
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                         f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"))
                conn.execute(sa.text("VACUUM ANALYZE"))
            else:
                conn.execute(sa.text("ANALYZE"))
        gen_seconds = time.perf_counter() - t0
        manager = models.User(email="cm@bench.example", name="CM", role="contractmanager", region_id=1)
        manager.set_password(PASSWORD)
        db.session.add(manager)
        db.session.commit()

    client = app.test_client()
    html = client.get("/account/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    login = client.post("/account/inloggen", data={"email": "cm@bench.example", "password": PASSWORD, "csrf_token": token})
    assert login.status_code == 302, login.status_code

    def timed(path: str) -> tuple[float, float]:
        """Wall and CPU milliseconds of one GET (which must answer 200)."""
        t, c = time.perf_counter(), time.process_time()
        response = client.get(path)
        body = response.get_data()
        assert response.status_code == 200, (path, response.status_code, body[:300])
        return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000

    known = {rule.rule for rule in app.url_map.iter_rules()}
    pages = {}
    for page in PAGES:
        if "{provider}" not in page and page not in known:
            continue  # an older tree without this page
        first_ms, _ = timed(page.format(provider=1))
        walls, cpus = [], []
        for i in range(REQUESTS):
            wall, cpu = timed(page.format(provider=2 + i * (PROVIDERS // REQUESTS)))
            walls.append(wall)
            cpus.append(cpu)
        pages[page] = {"first_render_ms": round(first_ms, 1), **_summary(walls, cpus),
                       "within_budget": _percentile(walls, 95) <= BUDGET_P95_MS}
    exports = {}
    quarter = None
    with app.app_context():
        try:
            from beschikbaarheid.domain.quarters import last_full_quarter

            quarter = last_full_quarter(now.date()).key
        except ImportError:  # an older tree without the quarterly report
            pass
    new_datasets = ("tekort-per-product", "verwacht-gerealiseerd")
    for name in EXPORTS:
        if name.startswith("/"):
            if quarter is None:
                continue
            path = name.format(quarter=quarter)
        elif name.split(".")[0] in new_datasets and quarter is None:
            continue
        else:
            path = f"/contract/export/{name}"
        walls, cpus = zip(*(timed(path) for _ in range(EXPORT_REQUESTS)))
        exports[name] = _summary(list(walls), list(cpus))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"database": label, "generated": counts, "generate_seconds": round(gen_seconds, 1), "pages": pages,
            "exports": exports, "load_average_after": [round(x, 2) for x in os.getloadavg()]}




def main() -> None:
    """Measure one tree on SQLite (and PostgreSQL) and store its figures under its label."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose application is measured")
    parser.add_argument("--label", default="current", help="entry in bench/results/contract.json")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=JSON", help="app setting for this run")
    args = parser.parse_args()
    config = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.config)}
    sys.path.insert(0, str(args.code.resolve()))
    measured = {
        "code": code_version(args.code),
        "config": config,
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        measured["runs"].append(run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", "sqlite", config))
    if os.environ.get("BENCH_POSTGRES_URL"):
        measured["runs"].append(run(os.environ["BENCH_POSTGRES_URL"], "postgresql", config))
    out = ROOT / "bench" / "results" / "contract.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results.update({
        "benchmark": "contract-manager pages at national scale (Flask test client, logged-in contract manager)",
        "budget_p95_ms": BUDGET_P95_MS,
        "scale": {"providers": PROVIDERS, "history_months": MONTHS, "requests_per_page": REQUESTS},
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    })
    results.setdefault("measurements", {})[args.label] = measured
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
