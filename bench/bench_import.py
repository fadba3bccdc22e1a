"""Benchmark: importing a national-size offerings file (about 47,000 rows, 4.8 MB), on SQLite and PostgreSQL.

Generates the place tables (342 municipalities, 4,000 PC4 areas) and a 60-product catalogue, writes
an offerings CSV in a temporary folder (BENCH_PROVIDERS providers with 1-3 locations and about a
dozen products each; every row has a street, postcode and woonplaats, two in three also lat/lon),
then times, through `register_io.import_offerings` as `flask import offerings` and the upload page
call it:

1. a dry run on an empty register (everything would be new: the case that took 152 s);
2. the real import of the same file;
3. a dry run of the same file on the filled register (the monthly re-import);
4. a real re-import in which one row in ten has new figures.

The budget is the nginx proxy timeout: a dry run must finish well within 60 s (aim: 10x the
152 s measured, so <= 15 s). Without the budget met, the upload page answers nginx's 504.

    .venv/bin/python bench/bench_import.py                   # SQLite only
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/python bench/bench_import.py               # SQLite and PostgreSQL (its tables are replaced)
    .venv/bin/python bench/bench_import.py --code /tmp/base --label before   # an older tree, same file

--code imports the application from another checkout; --label names the entry in
bench/results/import.json (default "current"); other labels are kept, so before and after sit
side by side. --profile writes a cProfile of the first dry run and the first import to
bench/results/import_<label>_<step>.prof.
Environment: BENCH_PROVIDERS (4000), BENCH_SEED (11).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from benchlib import code_version

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 4000))
SEED = int(os.environ.get("BENCH_SEED", 11))
MUNICIPALITIES = 342
PC4_AREAS = 4000
PRODUCTS = 60
REGION = "Landelijk (bench)"
BUDGET_DRY_RUN_S = 15.0  # 10x faster than the 152 s reported; nginx gives up after 60 s
COLUMNS = (
    "aanbieder", "aanbieder_email", "aanbieder_telefoon", "locatie", "straat", "postcode", "woonplaats",
    "lat", "lon", "productcode", "capaciteit", "vrije_plekken", "wachttijd_weken", "leeftijd_min",
    "leeftijd_max", "doelgroepen", "aanmelding", "laatst_bijgewerkt",
)
STREETS = ("Kerkstraat", "Dorpsstraat", "Molenweg", "Schoolstraat", "Lindelaan", "Stationsweg", "Beukenlaan", "Markt")
GROUPS = ("", "", "LVB", "ASS", "TRAUMA", "ASS|LVB", "18PLUS")


def product_codes() -> list[str]:
    return [f"4{3 + i % 3}B{i:02d}" for i in range(PRODUCTS)]


def products_csv() -> str:
    lines = ["code,naam,categorie,segment,vorm,trefwoorden"]
    for i, code in enumerate(product_codes()):
        lines.append(f"{code},Bench product {i},{code[:2]},{i % 5 + 1},ambulant,bench")
    return "\r\n".join(lines) + "\r\n"


def pc4_codes() -> list[str]:
    rng = random.Random(SEED)
    return sorted(rng.sample(range(1000, 10000), PC4_AREAS))


def offerings_csv(rng: random.Random, *, changed_share: float = 0.0, base: list[list[str]] | None = None) -> tuple[str, list[list[str]]]:
    """(CSV text, rows) of the national file; with `base`, the same rows with `changed_share` of them given new figures."""
    if base is None:
        codes, pc4s = product_codes(), pc4_codes()
        rows = []
        for p in range(1, PROVIDERS + 1):
            name = f"Stichting Bench Jeugdhulp {p:05d}"
            email, phone = f"intake{p}@bench-jeugdhulp.example", f"0{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
            chosen = rng.sample(codes, rng.randint(8, 16))
            n_loc = rng.randint(1, 3)
            for li in range(n_loc):
                pc4 = pc4s[rng.randrange(len(pc4s))]
                postcode = f"{pc4} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
                street = f"{rng.choice(STREETS)} {rng.randint(1, 200)}"
                with_coords = rng.random() < 0.67
                lat, lon = (f"{50.8 + rng.random() * 2.5:.6f}", f"{3.6 + rng.random() * 3.3:.6f}") if with_coords else ("", "")
                for code in chosen[li::n_loc]:
                    capacity = rng.randint(2, 40)
                    rows.append([
                        name, email, phone, f"Locatie {li + 1}", street, postcode,
                        f"Plaats {pc4}", lat, lon, code, str(capacity), str(rng.randint(0, min(3, capacity))), str(rng.randint(0, 40)),
                        "0", str(rng.choice((18, 18, 23))), rng.choice(GROUPS), rng.choice(("open", "open", "gesloten", "overleg")), "",
                    ])
    else:
        rows = [list(r) for r in base]
        for r in rows:
            if rng.random() < changed_share:
                r[12] = str(int(r[12]) + 1)
    text = ",".join(COLUMNS) + "\r\n" + "".join(",".join(r) + "\r\n" for r in rows)
    return text, rows


def setup_places(models, conn) -> None:
    """Municipalities and PC4 areas so that every postcode and woonplaats in the file resolves."""
    rng = random.Random(SEED)
    conn.execute(models.Municipality.__table__.insert(), [
        {"id": m, "cbs_code": f"{m:04d}", "name": f"Gemeente {m:03d}", "region_id": None,
         "lat": 51.0 + rng.random() * 2, "lon": 4.0 + rng.random() * 2.5} for m in range(1, MUNICIPALITIES + 1)
    ])
    conn.execute(models.Pc4Area.__table__.insert(), [
        {"pc4": f"{pc4}", "woonplaats": f"Plaats {pc4}", "municipality_id": 1 + i % MUNICIPALITIES,
         "lat": 50.8 + rng.random() * 2.5, "lon": 3.6 + rng.random() * 3.3, "source": "geonames"}
        for i, pc4 in enumerate(pc4_codes())
    ])


def run(url: str, label: str, file_dir: Path, profile_to: Path | None) -> dict:
    """Set up one database, then time the four imports."""
    from beschikbaarheid import create_app, models, register_io
    from beschikbaarheid.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}, env="test")
    rng = random.Random(SEED)
    text, rows = offerings_csv(rng)
    changed_text, _ = offerings_csv(rng, changed_share=0.1, base=rows)
    path = file_dir / "aanbod-landelijk.csv"
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    result = {"database": label, "rows": len(rows), "file_mb": round(len(data) / 1e6, 2), "providers": PROVIDERS, "timings_s": {}}
    with app.app_context():
        db.drop_all()
        db.create_all()
        with db.engine.begin() as conn:
            setup_places(models, conn)
        register_io.import_products(REGION, products_csv())

        def timed(name: str, payload: bytes, *, dry_run: bool, profile: bool = False) -> None:
            profiler = cProfile.Profile() if profile else None
            t, c = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            summary = register_io.import_offerings(REGION, payload, source=path.name, dry_run=dry_run)
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(profile_to).replace(".prof", f"_{name}.prof"))
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            db.session.remove()
            result["timings_s"][name] = {"wall": round(wall, 2), "cpu": round(cpu, 2), "summary": summary.text()[:300]}
            print(f"  {label} {name}: {wall:.2f} s", flush=True)

        timed("dry_run_new", data, dry_run=True, profile=profile_to is not None)
        timed("import_new", data, dry_run=False, profile=profile_to is not None)
        timed("dry_run_existing", data, dry_run=True)
        timed("reimport_10pct_changed", changed_text.encode("utf-8"), dry_run=False)
        db.session.remove()
        db.engine.dispose()
    result["dry_run_within_budget"] = result["timings_s"]["dry_run_new"]["wall"] <= BUDGET_DRY_RUN_S
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result




def main() -> None:
    """Measure one tree on SQLite (and PostgreSQL) and store its figures under its label."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose application is measured")
    parser.add_argument("--label", default="current", help="entry in bench/results/import.json")
    parser.add_argument("--profile", action="store_true", help="profile the first dry run and import (SQLite)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even when BENCH_POSTGRES_URL is set")
    parser.add_argument("--postgres-only", action="store_true", help="only PostgreSQL; the label's SQLite run is kept")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    measured = {
        "code": code_version(args.code),
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "runs": [],
    }
    out_dir = ROOT / "bench" / "results"
    with tempfile.TemporaryDirectory() as tmp:
        profile_to = out_dir / f"import_{args.label}.prof" if args.profile else None
        if not args.postgres_only:
            measured["runs"].append(run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", "sqlite", Path(tmp), profile_to))
        if os.environ.get("BENCH_POSTGRES_URL") and not args.sqlite_only:
            measured["runs"].append(run(os.environ["BENCH_POSTGRES_URL"], "postgresql", Path(tmp), None))
    out = out_dir / "import.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results.update({
        "benchmark": "national offerings import (register_io.import_offerings, dry run and real, in-process)",
        "budget_dry_run_s": BUDGET_DRY_RUN_S,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    })
    previous = results.setdefault("measurements", {}).get(args.label)
    if args.postgres_only and previous:
        measured["runs"] = [r for r in previous["runs"] if r["database"] == "sqlite"] + measured["runs"]
    results["measurements"][args.label] = measured
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
