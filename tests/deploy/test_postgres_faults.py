"""PostgreSQL restarted under traffic: users get a Dutch 503 (never a 500), the app recovers by itself, no acknowledged save is lost.

This test really stops and starts the local PostgreSQL cluster (`pg_ctlcluster`, we run as root in
CI), so it runs on PostgreSQL only and takes ~6 s. Whatever happens, PostgreSQL is started
again before the test ends.
"""
from __future__ import annotations

import itertools
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from beschikbaarheid import create_app
from beschikbaarheid.extensions import db
from beschikbaarheid.models import OfferingChange, Pc4Area
from tests import factories
from tests.conftest import POSTGRES_URL
from tests.plugins.smtp import free_port
from tests.helpers import HttpClient, csrf_from

pytestmark = pytest.mark.serial  # stops the PostgreSQL server every other test uses

PASSWORD = "wachtwoord-123"
SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis"
OK = {200, 302}
STREAM_DEADLINE_S = 25  # hard stop for the traffic threads, whatever happens
OUTAGE_S = 1.0  # how long PostgreSQL stays down between stop and start


def _cluster() -> tuple[str, str]:
    """(version, name) of the local cluster; this machine has exactly one."""
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    assert versions, "no local PostgreSQL cluster in /etc/postgresql"
    return versions[-1], "main"


def pg_ctl(action: str, timeout: float = 60) -> float:
    """Run pg_ctlcluster <action>; returns how long it took in seconds."""
    version, name = _cluster()
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action],
                   check=True, capture_output=True, timeout=timeout)
    return time.monotonic() - started


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], timeout=10).returncode == 0


def ensure_postgres_running(timeout: float = 30) -> None:
    """Start the cluster if it is down and wait until it accepts connections (safety net for a failing test)."""
    if not pg_ready():
        version, name = _cluster()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], capture_output=True, timeout=60)
    deadline = time.monotonic() + timeout
    while not pg_ready():
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.2)


@dataclass
class Stream:
    """What one traffic thread saw: (seconds since start, status, body excerpt), acknowledged saves, errors."""

    name: str
    results: list[tuple[float, int, str]] = field(default_factory=list)
    acknowledged: list[tuple[int, str]] = field(default_factory=list)
    retry_after: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def record(self, t0: float, status: int, headers, body: str) -> None:
        self.results.append((time.monotonic() - t0, status, body if status >= 500 else ""))
        if status == 503:
            self.retry_after.add(headers.get("Retry-After", ""))

    def statuses(self) -> set[int]:
        return {s for _t, s, _b in self.results}


@pytest.fixture
def pg_server(postgres_engine):
    """The app on the test PostgreSQL database, served by a threaded werkzeug server on loopback."""
    ensure_postgres_running()
    app = create_app({"SQLALCHEMY_DATABASE_URI": POSTGRES_URL}, env="test")
    with app.app_context():
        db.drop_all()
        db.create_all()
        region = factories.region("Een 10 voor de Jeugd")
        helmond = factories.municipality("Helmond", "0794", 51.4793, 5.6570, region)
        db.session.add(Pc4Area(pc4="5701", woonplaats="Helmond", municipality=helmond, lat=51.4786, lon=5.6597))
        gezinshuis = factories.product("43A10", "Gezinshuis", region, 2, "wonen")
        provider = factories.provider("De Linde")
        location = factories.location(provider, "Helmond-Oost", municipality_obj=helmond)
        offering = factories.offering(location, gezinshuis, capacity=6, free_places=1, waiting_weeks=4)
        user = factories.user("aanbieder", email="planner@delinde.example", password=PASSWORD, provider_id=provider.id)
        db.session.commit()
        ids = {"offering": offering.id, "email": user.email}
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=10)
        ensure_postgres_running()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            db.drop_all()
            db.engine.dispose()


def _searches(base: str, stream: Stream, stop: threading.Event, t0: float) -> None:
    """Anonymous referrers searching, back to back."""
    client = HttpClient(base, timeout=10)
    while not stop.is_set() and time.monotonic() - t0 < STREAM_DEADLINE_S:
        try:
            status, headers, body = client.get(SEARCH)
            stream.record(t0, status, headers, body)
        except OSError as exc:
            stream.errors.append(repr(exc))
        time.sleep(0.01)


def _updates(base: str, ids: dict, stream: Stream, stop: threading.Event, t0: float) -> None:
    """A logged-in provider saving its offering's note over and over, through the real edit form."""
    client = HttpClient(base, timeout=10)
    status, _h, html = client.get("/account/inloggen")
    status, _h, _b = client.post("/account/inloggen", {"email": ids["email"], "password": PASSWORD, "csrf_token": csrf_from(html)})
    assert status == 302, "login before the restart must work"
    path = f"/aanbieder/aanbod/{ids['offering']}/bewerken"
    for n in itertools.count():
        if stop.is_set() or time.monotonic() - t0 > STREAM_DEADLINE_S:
            return
        try:
            status, headers, html = client.get(path)
            stream.record(t0, status, headers, html)
            if status != 200:
                time.sleep(0.05)
                continue
            version = re.search(r'name="version" value="(\d+)"', html).group(1)
            note = f"herstart-{n}"
            form = {"csrf_token": csrf_from(html), "version": version, "layout": "row", "capacity": "6",
                    "free_places": "1", "waiting_weeks": "4", "intake_status": "open", "note": note}
            status, headers, body = client.post(path, form)
            stream.record(t0, status, headers, body)
            if status == 302:
                stream.acknowledged.append((ids["offering"], note))
        except OSError as exc:
            stream.errors.append(repr(exc))
        time.sleep(0.02)


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_postgres_restart_gives_503_then_recovers_without_losing_saves(pg_server):
    app, base, ids = pg_server
    searches, updates = Stream("zoeken"), Stream("opslaan")
    stop = threading.Event()
    t0 = time.monotonic()
    threads = [
        threading.Thread(target=_searches, args=(base, searches, stop, t0), daemon=True),
        threading.Thread(target=_updates, args=(base, ids, updates, stop, t0), daemon=True),
    ]
    restart = {}
    try:
        for t in threads:
            t.start()
        assert _wait_for(lambda: len(updates.acknowledged) >= 3 and len(searches.results) >= 10, 10), "no traffic before the restart"
        # A restart with a guaranteed gap: `pg_ctlcluster restart` alone is sometimes down for only
        # ~0.2 s here, too short to be sure a request falls into it.
        restart["start"] = time.monotonic() - t0
        restart["stop_s"] = pg_ctl("stop")
        time.sleep(OUTAGE_S)
        restart["start_s"] = pg_ctl("start")
        restart["end"] = time.monotonic() - t0

        def recovered() -> bool:
            after = restart["end"]
            return (sum(1 for t, s, _ in searches.results if t > after and s == 200) >= 5
                    and sum(1 for t, s, _ in updates.results if t > after and s == 302) >= 3)

        assert _wait_for(recovered, 10), "the app did not recover by itself within 10 s after the restart"
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
        ensure_postgres_running()

    failures = sorted(t for stream in (searches, updates) for t, s, _ in stream.results if s == 503)
    print(f"pg stop {restart['stop_s']:.2f} s + {OUTAGE_S} s down + start {restart['start_s']:.2f} s; 503s from {failures[0] - restart['start']:+.2f} s to "
          f"{failures[-1] - restart['start']:+.2f} s after it began ({len(failures)} requests); statuses: "
          f"zoeken {sorted(searches.statuses())}, opslaan {sorted(updates.statuses())}; "
          f"{len(updates.acknowledged)} saves acknowledged" if failures else "no 503 at all")
    # The restart was really felt, and only as a clear, temporary 503.
    for stream in (searches, updates):
        assert stream.errors == [], f"{stream.name}: connections dropped {stream.errors[:3]}"
        unexpected = {s for s in stream.statuses() if s not in OK | {503}}
        assert not unexpected, f"{stream.name}: {unexpected}: " + next(b for _t, s, b in stream.results if s in unexpected)[:500]
        for _t, status, body in stream.results:
            if status == 503:
                assert "tijdelijk niet bereikbaar" in body and "<html" in body.lower()
        assert stream.retry_after <= {"30"}
    assert 503 in searches.statuses() | updates.statuses(), "no request hit the outage"
    # Recovered by itself, at once and for good: from the first success after the restart on,
    # every search and every save succeeds (no second wave of errors from stale pooled connections).
    for stream in (searches, updates):
        after = [(t, s) for t, s, _ in stream.results if t > restart["end"]]
        first_ok = next(i for i, (_t, s) in enumerate(after) if s in OK)
        assert after[first_ok][0] - restart["end"] < 2, f"{stream.name}: recovery took too long"
        assert {s for _t, s in after[first_ok:]} <= OK, f"{stream.name}: errors after recovery"

    # Every save the server acknowledged is in the offering's history.
    with app.app_context():
        notes = set(db.session.scalars(
            sa.select(OfferingChange.new_value).where(OfferingChange.offering_id == ids["offering"], OfferingChange.field == "note")
        ))
    lost = [note for _oid, note in updates.acknowledged if note not in notes]
    assert lost == [] and len(updates.acknowledged) >= 6
