"""Micro-benchmark: the search page and its htmx results partial, in-process, against GET /ping.

Loads the demo region into a temporary SQLite file, then requests a fixed, varied set of demo
searches (the same mix as bench/load_test.py: postcodes and woonplaatsen, needs, ages, target
groups, radii) through the Flask test client: full page, htmx partial, and /ping. Reports mean
milliseconds per request (CPU of this process) and updates bench/results/search_page.json under
the given label ("before" / "after"; "before" was measured by running this script in a copy of
the tree at the previous commit); `--gunicorn-ratio` stores a ratio measured with
bench/load_test.py next to it.

    .venv/bin/python bench/bench_search_page.py --label after [--requests 300]
    .venv/bin/python bench/load_test.py --seconds 5 --compare-seconds 8 --out /tmp/load.json
    .venv/bin/python bench/bench_search_page.py --load-json /tmp/load.json --ratio-label after
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from load_test import HX_RESULTS, NEEDS, World, search_path  # noqa: E402

OUT = ROOT / "bench" / "results" / "search_page.json"


def _time(client, paths, headers=None) -> float:
    started = time.process_time()
    for path in paths:
        response = client.get(path, headers=headers or {})
        assert response.status_code in (200, 400), (path, response.status_code)
    return (time.process_time() - started) * 1000.0 / len(paths)


def measure(requests: int, seed: int, database_url: str | None = None) -> dict:
    from beschikbaarheid import create_app
    from beschikbaarheid.demo import load_demo
    from beschikbaarheid.extensions import db
    from beschikbaarheid.models import Pc4Area, Product, Woonplaats

    url = database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-search-page-')}/bench.db"
    # The test environment's settings, except the two that production runs with differently: the
    # index fingerprint is checked once a second and the search log is written in the background.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "SEARCH_INDEX_CHECK_S": 1.0,
                      "SEARCH_LOG_WRITE": "background"}, env="test")
    with app.app_context():
        if database_url is None:
            db.create_all()
            load_demo()
        world = World(
            pc4s=sorted(db.session.scalars(sa.select(Pc4Area.pc4))),
            woonplaatsen=sorted(set(db.session.scalars(sa.select(Woonplaats.name)))),
            products=sorted({p.name for p in db.session.scalars(sa.select(Product))} | {p.code for p in db.session.scalars(sa.select(Product))}),
            provider_users=[], contract_managers=[], demo_password="",
        )
    rng = random.Random(seed)
    paths = [search_path(rng, world) for _ in range(requests)]
    # Other searches for the partial, so it gains nothing from what the page runs memoised.
    partial_paths = [search_path(rng, world) for _ in range(requests)]
    client = app.test_client()
    # Warm up: index build, place index, template compilation.
    for path in paths[:20]:
        client.get(path)
        client.get(path, headers=HX_RESULTS)
    client.get("/ping")
    # Best of three rounds each: on a shared machine the minimum is the figure least disturbed by
    # other work (every round runs the same requests; the first round also warms the memos).
    page = min(_time(client, paths) for _ in range(3))
    partial = min(_time(client, partial_paths, HX_RESULTS) for _ in range(3))
    ping = min(_time(client, ["/ping"] * requests) for _ in range(3))
    from beschikbaarheid.search.log_writer import writer_for

    writer_for(app).close()  # the logged rows really reach the database
    return {
        "requests": requests,
        "distinct_queries": len(set(paths) | set(partial_paths)),
        "needs": list(NEEDS),
        "page_ms": round(page, 3),
        "partial_ms": round(partial, 3),
        "ping_ms": round(ping, 3),
        "page_vs_ping_cpu_ratio": round(ping / page, 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after", help="where to store the figures (before / after)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="an existing database with the demo region (e.g. left by load_test.py); default: a new SQLite file")
    parser.add_argument("--gunicorn-ratio", type=float, default=None, help="only store a ratio measured with load_test.py")
    parser.add_argument("--load-json", default=None, help="only store the search-vs-ping section of a load_test.py result file")
    parser.add_argument("--ratio-label", default="after")
    args = parser.parse_args()
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    data.setdefault("what", "in-process CPU ms per request (Flask test client, demo region, SQLite); /ping is the trivial endpoint")
    if args.load_json is not None:
        section = json.loads(Path(args.load_json).read_text())["search_vs_ping"]
        keep = ("concurrency", "seconds_each", "search_per_second", "ping_per_second", "ratio", "target", "met")
        data.setdefault("gunicorn_search_vs_ping", {})[args.ratio_label] = {k: section.get(k) for k in keep}
    elif args.gunicorn_ratio is not None:
        data.setdefault("gunicorn_search_vs_ping", {})[args.ratio_label] = {"ratio": args.gunicorn_ratio}
    else:
        figures = measure(args.requests, args.seed, args.database_url)
        figures["database"] = "postgresql" if args.database_url and args.database_url.startswith("postgresql") else "sqlite"
        print(json.dumps(figures, indent=2))
        data[args.label] = figures
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
