"""Load test: gunicorn (config/gunicorn.conf.py, production settings) on loopback with PostgreSQL, the
demo region and a national-scale register around it.

The demo region is loaded (with its accounts and history), and --national providers (default 4,000,
with 40,000 offerings, bench/bench_search.py's generator) are contracted for the demo region's
products all over the Netherlands, so a search from Helmond sees what a search in a dense part of
the country would.

Mixed traffic for --seconds (default 60) from a bounded pool of virtual users, each a thread with
its own keep-alive connection and cookies:

* referrers searching (full page and the htmx partial) with varied postcodes, ages and needs
  from the demo region;
* provider users saving the real edit form (CSRF token, version field; page and inline layouts),
  two colleagues per provider so that real 409 conflicts happen; plausibility questions are
  answered the way a user would ("ik bevestig");
* contract managers opening their dashboards (/contract/ and its sub-pages).

Then, on the same server, the search page alone for --search-seconds, twice (target: at least 50
searches per second at p95 <= 250 ms with 16 users):

* saturated ("search_only"): the 16 users search back to back, without a pause, so the figure is
  what the machine can do at most; their latency is then mostly the queue (16 users / throughput);
* paced ("search_paced"): the 16 users together offer --search-rate searches a second (default 50)
  on a fixed schedule, whatever the answers' speed, and each latency counts from its scheduled
  moment: the latency a referrer sees while the site serves that many searches.

Afterwards every acknowledged save is looked up in the offering history (each save writes a unique
note, so "lost" is exact) and every refused (409) save is checked NOT to be there. Everything goes to
bench/results/load.json and is printed. Exit status 1 when there was a 5xx, a transport error or a
lost update. Not part of the test run.

    .venv/bin/python bench/load_test.py [--seconds 60] [--users 16] [--search-seconds 20] [--national 4000]

BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test_load): the database is
DROPPED and re-created, so only loopback hosts and names starting with test_/bench_ are accepted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_load"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BENCH_PASSWORD = "bench-wachtwoord-2026"
NOTE_PREFIX = "belasting "
SEARCH_TARGET_PER_SECOND = 50
SEARCH_TARGET_P95_MS = 250
HX_RESULTS = {"HX-Request": "true", "HX-Target": "resultaten", "HX-Current-URL": "http://127.0.0.1/zoeken/"}
HX_ROW = {"HX-Request": "true"}
NEEDS = (
    "gezinshuis", "pleegzorg", "43A10", "43A14", "ambulante hulp autisme", "ambulante jeugdhulp",
    "woongroep", "dagbehandeling", "begeleiding naar zelfstandig wonen", "crisisopvang", "lvb",
    "gezinsbehandeling", "gezinshuiz",  # a typo on purpose
)
TARGET_GROUPS = ("", "", "", "ASS", "LVB", "TRAUMA", "GGZ")
DASHBOARD_PAGES = (("contract", "/contract/", 6), ("contract_wachttijden", "/contract/wachttijden", 2),
                   ("contract_kwaliteit", "/contract/kwaliteit", 1), ("contract_tekorten", "/contract/tekorten", 1))


# --- HTTP ------------------------------------------------------------------------------------

class TransportError(Exception):
    """The connection failed without an HTTP answer."""


class Client:
    """One virtual user: a keep-alive connection to the server and the cookies it was given."""

    RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest,
                 http.client.BadStatusLine)

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def _connect(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        """(status, body, seconds). A GET on a connection the server closed in between is retried once."""
        hdrs = {"User-Agent": "beschikbaarheid-load-test", **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            reused = self.conn is not None
            started = time.perf_counter()
            try:
                conn = self._connect()
                conn.request(method, path, body=body, headers=hdrs)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
            except self.RETRYABLE as exc:
                self.close()
                if attempt == 1 and reused and method == "GET":
                    continue
                raise TransportError(repr(exc)) from exc
            except OSError as exc:
                self.close()
                raise TransportError(repr(exc)) from exc
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                lowered = header.lower()
                if not value or "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return response.status, text, elapsed
        raise AssertionError("unreachable")


class FormParser(HTMLParser):
    """The named controls of one form (id `form_id`), including inputs outside it with form="form_id"."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _mine(self, attrs: dict) -> bool:
        owner = attrs.get("form")
        return owner == self.form_id if owner is not None else self.inside

    def handle_starttag(self, tag, attrs_list):
        attrs = dict(attrs_list)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        elif tag == "input" and attrs.get("name") and self._mine(attrs):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select" and attrs.get("name") and self._mine(attrs):
            self._select, self._select_value = attrs["name"], None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in attrs:
                self._select_value = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name") and self._mine(attrs):
            self._textarea, self._text = attrs["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = FormParser(form_id)
    parser.feed(html)
    return parser.fields


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- bookkeeping -----------------------------------------------------------------------------

@dataclass
class Stats:
    """Latencies and statuses per request type, shared by all threads (appends are atomic in CPython)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    transport_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    acknowledged: list[tuple[int, str]] = field(default_factory=list)
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    doubts_confirmed: int = 0
    rejected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, client: Client, kind: str, method: str, path: str, **kw) -> tuple[int, str]:
        try:
            status, body, seconds = client.request(method, path, **kw)
        except TransportError as exc:
            self.transport_errors.append(f"{kind} {path}: {exc}")
            raise
        self.record(kind, f"{method} {path}", status, body, seconds)
        return status, body

    def record(self, kind: str, request: str, status: int, body: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)
        self.statuses[kind][status] += 1
        if status >= 500:
            self.server_errors.append(f"{kind} {request} -> {status}: {body[:300]}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0..100), in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return round(ordered[index] * 1000, 1)


def summarise(stats: Stats, seconds: float) -> dict:
    out = {}
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        out[kind] = {
            "requests": len(values),
            "per_second": round(len(values) / seconds, 1),
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99),
            "max_ms": round(max(values) * 1000, 1) if values else 0.0,
            "statuses": {str(k): v for k, v in sorted(stats.statuses[kind].items())},
        }
    return out


# --- virtual users ---------------------------------------------------------------------------

@dataclass
class World:
    """What the traffic is drawn from: places, needs and accounts of the loaded demo region."""

    pc4s: list[str]
    woonplaatsen: list[str]
    products: list[str]
    provider_users: list[tuple[str, list[int]]]  # (email, contracted offering ids of its provider)
    contract_managers: list[str]
    demo_password: str


def search_path(rng: random.Random, world: World) -> str:
    params = {
        "locatie": rng.choice(world.pc4s) if rng.random() < 0.75 else rng.choice(world.woonplaatsen),
        "leeftijd": str(rng.randint(3, 17)),
        "product": rng.choice(NEEDS) if rng.random() < 0.7 else rng.choice(world.products),
    }
    if rng.random() < 0.3:
        params["max_km"] = str(rng.choice((10, 25, 40)))
    group = rng.choice(TARGET_GROUPS)
    if group:
        params["doelgroepen"] = group
    if rng.random() < 0.1:
        params["max_wachttijd"] = str(rng.choice((4, 8, 12)))
    return "/zoeken/?" + urlencode(params)


def login(client: Client, stats: Stats, email: str, password: str) -> None:
    _status, html = stats.call(client, "login_form", "GET", "/account/inloggen")
    token = CSRF.search(html).group(1)
    status, _body = stats.call(client, "login", "POST", "/account/inloggen",
                               form={"email": email, "password": password, "csrf_token": token})
    if status != 302:
        raise RuntimeError(f"login {email} failed: {status}")


def searcher(port: int, world: World, stats: Stats, stop: threading.Event, seed: int, kinds=("search", "search_htmx")) -> None:
    """A referrer: search after search; three in ten through htmx (the results partial only)."""
    rng = random.Random(seed)
    client = Client(port)
    try:
        while not stop.is_set():
            path = search_path(rng, world)
            htmx = "search_htmx" in kinds and rng.random() < 0.3
            try:
                stats.call(client, "search_htmx" if htmx else "search", "GET", path, headers=HX_RESULTS if htmx else None)
            except TransportError:
                time.sleep(0.1)
    finally:
        client.close()


def paced_searcher(port: int, world: World, stats: Stats, stop: threading.Event, seed: int, interval: float, offset: float) -> None:
    """A referrer searching on a fixed schedule: one search page every `interval` seconds, the first
    after `offset`. The offered load does not depend on how fast the server answers, and the
    latency counts from the scheduled moment, so a search that had to wait for the previous answer
    shows that wait too (no coordinated omission)."""
    rng = random.Random(seed)
    client = Client(port)
    due = time.perf_counter() + offset
    try:
        while not stop.is_set():
            if stop.wait(max(0.0, due - time.perf_counter())):
                break
            path = search_path(rng, world)
            try:
                status, body, _seconds = client.request("GET", path)
            except TransportError as exc:
                stats.transport_errors.append(f"search_paced {path}: {exc}")
                time.sleep(0.1)
            else:
                stats.record("search_paced", f"GET {path}", status, body, time.perf_counter() - due)
            due += interval
    finally:
        client.close()


def contract_manager(port: int, world: World, email: str, stats: Stats, stop: threading.Event, seed: int) -> None:
    """A contract manager clicking through the monitor."""
    rng = random.Random(seed)
    client = Client(port)
    try:
        login(client, stats, email, world.demo_password)
        pages = [p for p in DASHBOARD_PAGES for _ in range(p[2])]
        while not stop.is_set():
            kind, path, _weight = rng.choice(pages)
            try:
                stats.call(client, kind, "GET", path)
            except TransportError:
                time.sleep(0.1)
            time.sleep(rng.uniform(0, 0.2))  # reads a figure before clicking on
    finally:
        client.close()


def provider_user(port: int, world: World, email: str, offering_ids: list[int], stats: Stats, stop: threading.Event, seed: int) -> None:
    """A provider keeping its figures current: open an offering, change the note (and sometimes the wait), save."""
    rng = random.Random(seed)
    client = Client(port)
    counter = 0
    try:
        login(client, stats, email, BENCH_PASSWORD)
        while not stop.is_set():
            try:
                if rng.random() < 0.2:
                    stats.call(client, "provider_page", "GET", "/aanbieder/")
                oid = rng.choice(offering_ids)
                inline = rng.random() < 0.6  # with JavaScript: the inline row editor
                path = f"/aanbieder/aanbod/{oid}/bewerken"
                status, html = stats.call(client, "update_form", "GET", path + ("?layout=row" if inline else ""),
                                          headers=HX_ROW if inline else None)
                if status != 200:
                    continue
                fields = dict(form_fields(html, f"f-{oid}"))
                groups = [v for k, v in form_fields(html, f"f-{oid}") if k == "target_groups"]
                counter += 1
                note = f"{NOTE_PREFIX}{email.split('@')[0]}-{seed}-{counter}"
                fields["note"] = note
                if rng.random() < 0.4 and fields.get("waiting_weeks", "").isdigit():
                    fields["waiting_weeks"] = str(max(0, int(fields["waiting_weeks"]) + rng.choice((-1, 1))))
                form = [(k, v) for k, v in fields.items() if k != "target_groups"] + [("target_groups", g) for g in groups]
                time.sleep(rng.uniform(0.0, 0.3))  # typing
                for _round in range(2):
                    status, body = stats.call(client, "update_save", "POST", path, form=form, headers=HX_ROW if inline else None)
                    saved = status == 302 or (status == 200 and inline and 'class="offering editing"' not in body)
                    if saved:
                        stats.acknowledged.append((oid, note))
                        break
                    if status == 409:
                        stats.conflicts.append((oid, note))
                        break
                    if status == 200 and 'name="acknowledged"' in body:
                        # A plausibility question: confirm it, like the user would.
                        acknowledged = re.search(r'name="acknowledged" value="([^"]*)"', body).group(1)
                        form = [(k, v) for k, v in form if k not in ("acknowledged", "confirm_unusual")]
                        form += [("acknowledged", acknowledged), ("confirm_unusual", "1")]
                        with stats.lock:
                            stats.doubts_confirmed += 1
                        continue
                    stats.rejected.append(f"{status}: {body[:300]}")
                    break
            except TransportError:
                time.sleep(0.1)
    finally:
        client.close()


def _proc_cpu_seconds() -> dict[int, tuple[str, int, float]]:
    """{pid: (command, parent pid, user+system CPU seconds)} of every process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        found[int(entry)] = (comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / tick)
    return found


class CpuMeter:
    """CPU seconds spent during a phase by the gunicorn processes, PostgreSQL and this load generator."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def snapshot(self) -> dict[str, float]:
        procs = _proc_cpu_seconds()
        server = sum(cpu for pid, (_c, ppid, cpu) in procs.items() if pid == self.server_pid or ppid == self.server_pid)
        postgres = sum(cpu for comm, _p, cpu in procs.values() if comm.startswith("postgres"))
        times = os.times()
        return {"gunicorn": server, "postgresql": postgres, "load_generator": times.user + times.system}

    @staticmethod
    def per_request_ms(before: dict, after: dict, requests: int) -> dict[str, float]:
        return {k: round(1000.0 * (after[k] - before[k]) / max(1, requests), 3) for k in before}


def run_threads(targets: list[tuple], seconds: float) -> float:
    """Start the threads, stop them after `seconds`; returns the measured wall time."""
    stop = threading.Event()
    threads = [threading.Thread(target=fn, args=(*args, stop, *rest), daemon=True) for fn, args, rest in targets]
    started = time.perf_counter()
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    alive = [t for t in threads if t.is_alive()]
    if alive:
        raise RuntimeError(f"{len(alive)} load threads did not stop")
    return time.perf_counter() - started


# --- setup -----------------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    """Drop and create the bench database (loopback and test_/bench_ names only)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("BENCH_DATABASE_URL must be a PostgreSQL URL")
    if (parsed.host or "127.0.0.1") not in LOOPBACK:
        raise SystemExit(f"refusing a non-loopback database host: {parsed.host}")
    name = parsed.database or ""
    if not re.fullmatch(r"(test|bench)_[a-z0-9_]+", name):
        raise SystemExit(f"refusing to drop database {name!r}: name must start with test_ or bench_")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            # As the README tells operators to configure PostgreSQL on SSD ("Uitrol").
            conn.execute(sa.text(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1'))
    finally:
        admin.dispose()


def server_env(url: str, port: int, args) -> dict:
    # GUNICORN_* from the caller's environment pass through (to try settings); the effective ones are recorded.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MAIL_", "RATELIMIT_"))}
    env.update(
        BESCHIKBAARHEID_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=url,
        PUBLIC_BASE_URL="https://wijzer.test",
        MAIL_PORT="1",  # nothing in this run sends mail
        GUNICORN_BIND=f"127.0.0.1:{port}",
        # Every virtual user logs in from 127.0.0.1: the per-address login limit would refuse them.
        LOGIN_RATE_LIMIT="100000 per minute",
        SEARCH_RATE_LIMIT="100000 per minute",  # every virtual user comes from 127.0.0.1
    )
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def load_world(url: str, provider_count: int, national: int) -> World:
    """Load the demo region and `national` providers around it, add two provider users per chosen
    demo provider, and collect the traffic's ingredients."""
    from bench_search import add_providers

    from beschikbaarheid import create_app
    from beschikbaarheid.accounts import create_user
    from beschikbaarheid.demo import demo_password, load_demo
    from beschikbaarheid.domain.freshness import local_date
    from beschikbaarheid.extensions import db
    from beschikbaarheid.models import Pc4Area, Product, Provider, Region, User, Woonplaats, utcnow
    from beschikbaarheid.services.offerings import provider_offerings

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="development")
    with app.app_context():
        counts = load_demo()
        print(f"demo region loaded: {counts['providers']} providers, {counts['offerings']} offerings, "
              f"{counts['history']} history rows in {counts['seconds']} s", flush=True)
        demo_providers = db.session.scalars(sa.select(Provider).order_by(Provider.id)).all()
        if national:
            region = db.session.scalars(sa.select(Region).order_by(Region.id)).first()
            product_ids = list(db.session.scalars(sa.select(Product.id).where(Product.region_id == region.id)))
            added = add_providers(random.Random(11), utcnow(), region.id, product_ids, providers=national,
                                  offerings=10 * national, name_prefix="Landelijke aanbieder")
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            print(f"national register added to {region.name}: {added}", flush=True)
        today = local_date(utcnow())
        rng = random.Random(7)
        providers = demo_providers
        candidates = []
        for provider in providers:
            contracted, _others = provider_offerings(provider.id, today)
            if 2 <= len(contracted) <= 6:
                candidates.append((provider, [o.id for o in contracted]))
        chosen = rng.sample(candidates, min(provider_count, len(candidates)))
        provider_users = []
        for i, (provider, offering_ids) in enumerate(chosen):
            for who in ("planner", "collega"):
                email = f"{who}-{i}@belasting.example"
                create_user(email=email, name=f"Belasting {who} {i}", role="aanbieder", password=BENCH_PASSWORD, provider=provider.id)
                provider_users.append((email, offering_ids))
        db.session.commit()
        world = World(
            pc4s=sorted(db.session.scalars(sa.select(Pc4Area.pc4))),
            woonplaatsen=sorted(set(db.session.scalars(sa.select(Woonplaats.name)))),
            products=sorted({p.name for p in db.session.scalars(sa.select(Product))} | {p.code for p in db.session.scalars(sa.select(Product))}),
            provider_users=provider_users,
            contract_managers=list(db.session.scalars(sa.select(User.email).where(User.role == "contractmanager"))),
            demo_password=demo_password(),
        )
        db.engine.dispose()
    return world


def verify_history(url: str, stats: Stats) -> dict:
    """Every acknowledged save must be in the history; no refused (409) save may be."""
    from beschikbaarheid.models import OfferingChange

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(OfferingChange.offering_id, OfferingChange.new_value)
                .where(OfferingChange.field == "note", OfferingChange.new_value.like(f"{NOTE_PREFIX}%"))
            ).all()
    finally:
        engine.dispose()
    in_history = Counter((oid, note) for oid, note in rows)
    acknowledged = set(stats.acknowledged)
    lost = [a for a in acknowledged if in_history[a] == 0]
    refused_but_saved = [c for c in stats.conflicts if in_history[c] > 0]
    return {
        "acknowledged": len(stats.acknowledged),
        "conflicts_409": len(stats.conflicts),
        "plausibility_questions_confirmed": stats.doubts_confirmed,
        "rejected_other": len(stats.rejected),
        "history_rows_from_this_run": len(rows),
        "saved_twice": sum(1 for a in acknowledged if in_history[a] > 1),
        "lost": len(lost),
        "refused_but_saved": len(refused_but_saved),
        "unacknowledged_but_saved": len(set(in_history) - acknowledged - set(stats.conflicts)),
    }


def wait_until_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            if Client(port, timeout=2).request("GET", "/ping")[0] == 200:
                return
        except TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_settings(env: dict) -> dict:
    """The effective gunicorn settings for this run (read from the same config file with the same environment)."""
    import runpy

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("GUNICORN_")})
    try:
        conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {k: conf[k] for k in ("workers", "worker_class", "threads", "keepalive", "timeout", "max_requests")}


# --- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="duration of the mixed phase (default 60)")
    parser.add_argument("--users", type=int, default=16, help="concurrent virtual users (default 16)")
    parser.add_argument("--search-seconds", type=float, default=20, help="duration of the search-only phase (default 20)")
    parser.add_argument("--search-rate", type=float, default=SEARCH_TARGET_PER_SECOND,
                        help=f"searches per second offered in the paced phase (default {SEARCH_TARGET_PER_SECOND})")
    parser.add_argument("--national", type=int, default=4000, help="providers added all over the country (10 offerings each; default 4000)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: config/gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn threads per worker")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    args = parser.parse_args(argv)
    users = max(4, args.users)
    n_providers = max(2, round(users * 0.25))  # provider threads, in pairs of colleagues
    n_providers += n_providers % 2
    n_managers = max(1, round(users * 0.125))
    n_searchers = max(1, users - n_providers - n_managers)

    print(f"database {args.database_url}: re-creating, migrating with `flask db upgrade`", flush=True)
    recreate_database(args.database_url)
    port = free_port()
    env = server_env(args.database_url, port, args)
    subprocess.run([sys.executable, "-m", "flask", "--app", "beschikbaarheid", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    world = load_world(args.database_url, n_providers // 2, args.national)

    logdir = Path(tempfile.mkdtemp(prefix="load-test-"))
    access_log = open(logdir / "access.log", "w")
    error_log = open(logdir / "error.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py")],
                            cwd=ROOT, env=env, stdout=access_log, stderr=error_log)
    try:
        wait_until_up(port, proc)
        settings = gunicorn_settings(env)
        print(f"gunicorn on 127.0.0.1:{port}: {settings}; logs in {logdir}", flush=True)
        # Warm up the load generator's connections and each worker's first requests (templates, place resolver).
        warm = Stats()
        run_threads([(searcher, (port, world, warm), (i,)) for i in range(users)], 5)

        mixed = Stats()
        targets = [(searcher, (port, world, mixed), (100 + i,)) for i in range(n_searchers)]
        targets += [(provider_user, (port, world, email, ids, mixed), (200 + i,))
                    for i, (email, ids) in enumerate(world.provider_users[:n_providers])]
        targets += [(contract_manager, (port, world, world.contract_managers[i % len(world.contract_managers)], mixed), (300 + i,))
                    for i in range(n_managers)]
        print(f"mixed traffic for {args.seconds:.0f} s: {n_searchers} referrers, {n_providers} provider users "
              f"({n_providers // 2} providers), {n_managers} contract managers", flush=True)
        mixed_s = run_threads(targets, args.seconds)

        print(f"search page only, {args.search_seconds:.0f} s, {users} concurrent", flush=True)
        meter = CpuMeter(proc.pid)
        search_only = Stats()
        cpu_before = meter.snapshot()
        search_s = run_threads([(searcher, (port, world, search_only), (400 + i, ("search",))) for i in range(users)], args.search_seconds)
        cpu_search = meter.per_request_ms(cpu_before, meter.snapshot(), len(search_only.latencies["search"]))

        print(f"search page at {args.search_rate:g} per second offered, {args.search_seconds:.0f} s, {users} users", flush=True)
        paced = Stats()
        interval = users / args.search_rate
        paced_s = run_threads([(paced_searcher, (port, world, paced), (500 + i, interval, i * interval / users))
                               for i in range(users)], args.search_seconds)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        access_log.close()
        error_log.close()

    updates = verify_history(args.database_url, mixed)
    by_type = summarise(mixed, mixed_s)
    total = sum(v["requests"] for v in by_type.values())
    search_rps = len(search_only.latencies["search"]) / search_s
    search_p95 = percentile(search_only.latencies["search"], 95)
    paced_rps = len(paced.latencies["search_paced"]) / paced_s
    paced_p95 = percentile(paced.latencies["search_paced"], 95)
    target = f"at least {SEARCH_TARGET_PER_SECOND} per second at p95 <= {SEARCH_TARGET_P95_MS} ms"
    all_stats = (warm, mixed, search_only, paced)
    server_errors = sum(len(s.server_errors) for s in all_stats)
    transport_errors = sum(len(s.transport_errors) for s in all_stats)
    result = {
        "benchmark": "load",
        "date": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "note": "load generator and server share these CPUs"},
        "server": {"gunicorn": settings, "database": "postgresql", "env": "production", "bind": "127.0.0.1"},
        "data": {"providers_editing": n_providers // 2, "national_providers": args.national, "national_offerings": 10 * args.national,
                 "pc4s": len(world.pc4s), "needs": len(NEEDS) + len(world.products)},
        "mixed": {
            "seconds": round(mixed_s, 1),
            "virtual_users": {"referrers": n_searchers, "provider_users": n_providers, "contract_managers": n_managers},
            "requests": total,
            "per_second": round(total / mixed_s, 1),
            "by_type": by_type,
        },
        "errors": {
            "5xx": server_errors,
            "transport": transport_errors,
            "examples": [*(e for s in all_stats for e in s.server_errors), *(e for s in all_stats for e in s.transport_errors)][:5],
        },
        "updates": updates,
        "search_only": {
            "concurrency": users,
            "seconds": round(search_s, 1),
            "per_second": round(search_rps, 1),
            "p50_ms": percentile(search_only.latencies["search"], 50),
            "p95_ms": search_p95,
            "statuses": {str(k): v for k, v in search_only.statuses["search"].items()},
            "target": target,
            "met": search_rps >= SEARCH_TARGET_PER_SECOND and search_p95 <= SEARCH_TARGET_P95_MS,
            # Where the machine's CPU went, per search: the server, the database and this generator share 2 cores.
            "cpu_ms_per_search": cpu_search,
        },
        "search_paced": {
            "users": users,
            "offered_per_second": args.search_rate,
            "seconds": round(paced_s, 1),
            "per_second": round(paced_rps, 1),
            "p50_ms": percentile(paced.latencies["search_paced"], 50),
            "p95_ms": paced_p95,
            "p99_ms": percentile(paced.latencies["search_paced"], 99),
            "statuses": {str(k): v for k, v in paced.statuses["search_paced"].items()},
            "latency_from": "the scheduled moment of each search",
            "target": target,
            # Kept up: answered what was offered (the last second's searches still in flight aside).
            "met": args.search_rate >= SEARCH_TARGET_PER_SECOND and paced_rps >= 0.98 * args.search_rate
                   and paced_p95 <= SEARCH_TARGET_P95_MS,
        },
    }
    if mixed.rejected:
        result["updates"]["rejected_examples"] = mixed.rejected[:3]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {out}")
    ok = server_errors == 0 and transport_errors == 0 and updates["lost"] == 0 and updates["refused_but_saved"] == 0
    for phase in ("search_only", "search_paced"):
        if not result[phase]["met"]:
            print(f"NOTE ({phase}): {result[phase]['per_second']} searches/s at p95 {result[phase]['p95_ms']} ms misses the target",
                  file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
