"""Benchmark: the monthly reminder run for 4,000 providers through a local SMTP server (aiosmtpd on loopback,
in its own process).

Generates contracted providers that have not updated this month (one location, offering and
contract each) in a temporary SQLite file, or in PostgreSQL when BENCH_DATABASE_URL is set, then
times one real reminder run (claim, render plain text + HTML with two signed links, send, record)
as of the first working day. Target: <= 60 s, over one reused SMTP connection.

    .venv/bin/python bench/bench_reminders.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_jobs .venv/bin/python bench/bench_reminders.py

Environment: BENCH_PROVIDERS (4000). Writes bench/results/reminders.json and prints it.
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import platform
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from beschikbaarheid import create_app  # noqa: E402
from beschikbaarheid import mail as mailer  # noqa: E402
from beschikbaarheid.domain.freshness import TZ  # noqa: E402
from beschikbaarheid.domain.reminders import first_working_day  # noqa: E402
from beschikbaarheid.extensions import db  # noqa: E402
from beschikbaarheid.models import Contract, Location, Offering, Product, Provider, Region, ReminderLog  # noqa: E402
from jobs.reminders import run_reminder_job  # noqa: E402

PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", 4000))
AS_OF = dt.datetime.combine(first_working_day(2026, 3), dt.time(8), tzinfo=TZ)
LAST_MONTH = dt.datetime(2026, 2, 10, 9, tzinfo=TZ)


class CountingInbox:
    """SMTP handler that only counts: messages, bytes and distinct client connections."""

    def __init__(self):
        self.messages = 0
        self.bytes = 0
        self.peers: set = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages += 1
        self.bytes += len(envelope.content or b"")
        self.peers.add(session.peer)
        return "250 OK"


def _serve(port: int, ready, stop, results) -> None:
    """The SMTP server in its own process, as a real mail relay would be (no GIL shared with the job)."""
    inbox = CountingInbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    ready.set()
    stop.wait()
    server.stop()
    results.put({"messages": inbox.messages, "bytes": inbox.bytes, "connections": len(inbox.peers)})


class SmtpProcess:
    """Start/stop the counting SMTP server process; `.figures` after stop."""

    def __init__(self, port: int):
        ctx = multiprocessing.get_context("fork")  # started before any DB connection or thread exists
        self.ready, self.stop_event, self.results = ctx.Event(), ctx.Event(), ctx.Queue()
        self.process = ctx.Process(target=_serve, args=(port, self.ready, self.stop_event, self.results), daemon=True)
        self.figures: dict = {}

    def start(self) -> None:
        self.process.start()
        if not self.ready.wait(20):
            raise RuntimeError("SMTP server did not start")

    def stop(self) -> dict:
        self.stop_event.set()
        self.figures = self.results.get(timeout=30)
        self.process.join(10)
        return self.figures


def generate(n: int) -> None:
    """n contracted providers, each with one stale offering, inserted in bulk."""
    region = Region(name="Benchregio")
    db.session.add(region)
    db.session.flush()
    product = Product(region_id=region.id, code="43A10", name="Gezinshuis", category="43", segment=2, form="wonen")
    db.session.add(product)
    db.session.flush()
    db.session.execute(sa.insert(Provider), [
        {"id": i, "name": f"Bench-aanbieder {i:05d}", "intake_email": f"intake{i}@bench.example", "created_at": LAST_MONTH}
        for i in range(1, n + 1)
    ])
    db.session.execute(sa.insert(Location), [
        {"id": i, "provider_id": i, "name": "Hoofdlocatie", "woonplaats": "Helmond", "lat": 51.48, "lon": 5.66}
        for i in range(1, n + 1)
    ])
    db.session.execute(sa.insert(Contract), [
        {"region_id": region.id, "provider_id": i, "product_id": product.id, "valid_from": dt.date(2024, 1, 1)}
        for i in range(1, n + 1)
    ])
    db.session.execute(sa.insert(Offering), [
        {"provider_id": i, "location_id": i, "product_id": product.id, "capacity": 6, "free_places": i % 3,
         "waiting_weeks": i % 20, "intake_status": "open", "updated_at": LAST_MONTH, "updated_by": "bench",
         "last_update_kind": "update", "version": 1}
        for i in range(1, n + 1)
    ])
    db.session.commit()


def main() -> dict:
    load_before = os.getloadavg()  # the machine is shared: say how busy it was
    url = os.environ.get("BENCH_DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.sqlite"
    with socket.socket() as probe:  # a free loopback port (aiosmtpd needs a fixed one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SmtpProcess(port)
    server.start()
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
        "PUBLIC_BASE_URL": "https://wijzer.bench",
    }, env="test")
    opened = []
    original_open = mailer.SmtpConnection.open

    def counting_open(self):
        opened.append(time.perf_counter())
        return original_open(self)

    mailer.SmtpConnection.open = counting_open
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            t0 = time.perf_counter()
            generate(PROVIDERS)
            generated = time.perf_counter() - t0

            t0 = time.perf_counter()
            result = run_reminder_job(AS_OF)
            total = time.perf_counter() - t0
            sent_rows = db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog).where(ReminderLog.status == "sent"))

            t0 = time.perf_counter()
            rerun = run_reminder_job(AS_OF + dt.timedelta(hours=1))
            rerun_seconds = time.perf_counter() - t0
            backend = db.engine.dialect.name
            if tmp is None:
                db.drop_all()
    finally:
        mailer.SmtpConnection.open = original_open
        inbox = server.stop()
        if tmp:
            tmp.cleanup()

    figures = {
        "benchmark": "reminders",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "backend": backend,
        "providers": PROVIDERS,
        "as_of": AS_OF.isoformat(),
        "total_seconds": round(total, 2),
        "messages_sent": len(result.result.sent),
        "messages_received_by_server": inbox["messages"],
        "reminder_log_rows_sent": sent_rows,
        "messages_per_second": round(len(result.result.sent) / total, 1) if total else None,
        "connections_opened": len(opened),
        "server_side_connections": inbox["connections"],
        "average_message_bytes": round(inbox["bytes"] / inbox["messages"]) if inbox["messages"] else 0,
        "rerun_seconds_nothing_due": round(rerun_seconds, 2),
        "rerun_planned": len(rerun.result.planned),
        "generate_seconds": round(generated, 2),
        "target_seconds": 60,
        "within_target": total <= 60,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load_before],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = "reminders.json" if backend == "sqlite" else f"reminders_{backend}.json"
    (out / name).write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
