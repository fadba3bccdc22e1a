"""Anonymous search-log rows, written in batches off the request path.

Why: a search used to INSERT and COMMIT its log row inside the request: a database round trip and a
commit (a WAL flush on PostgreSQL) for every search, the larger part of a warm search's database
time. Now the view hands the row to this writer, which writes the rows that wait in one
transaction:

* mode ``background`` (production and development): a daemon thread per process writes every
  SEARCH_LOG_FLUSH_S (1 s), or at once when SEARCH_LOG_BATCH rows wait. At exit (``atexit``, and
  gunicorn's ``worker_exit`` hook in config/gunicorn.conf.py) whatever still waits is written;
* mode ``request`` (tests): the row is written before the request answers, through the same code.

Refinements: the web page gives each distinct search of a session a ``ref`` (a keyed hash with a
per-session seed, see service.log_search) and a refinement submits the row again with that ref; the
writer upserts on ``ref``,
so one referrer's search stays one row, also when its refinements land in different batches. API
rows have no ref: each call is a row.

Failures: a batch that cannot be written (database down) stays queued and the next flush tries
again; the queue is bounded (SEARCH_LOG_MAX_QUEUE rows), past that the oldest rows are dropped and
counted in the application log. What can therefore be lost, and only that: the last second's rows
of a worker killed with SIGKILL, and rows beyond the bound during a long outage. They are anonymous
statistics for supply analysis; a search never fails or waits because of its log row.
"""
from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import OrderedDict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from beschikbaarheid.models import SearchLog

log = logging.getLogger(__name__)
EXTENSION_KEY = "beschikbaarheid.search_log_writer"
_UPDATED_ON_REFINEMENT = ("result_count", "within_radius_count")
_WRITERS: weakref.WeakSet = weakref.WeakSet()  # this process's writers, for close_all()


class SearchLogWriter:
    """Collects search-log rows (plain dicts of SearchLog columns) and writes them in batches."""

    def __init__(self, engine: sa.Engine, *, mode: str = "background", flush_seconds: float = 1.0,
                 batch: int = 200, max_queue: int = 10_000) -> None:
        if mode not in ("background", "request"):
            raise ValueError(f"SEARCH_LOG_WRITE must be 'background' or 'request', not {mode!r}")
        self.engine = engine
        self.mode = mode
        self.flush_seconds = flush_seconds
        self.batch = max(1, batch)
        self.max_queue = max(self.batch, max_queue)
        self._rows: list[dict] = []
        self._lock = threading.Lock()  # guards _rows
        self._write_lock = threading.Lock()  # one batch at a time, in order
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.failures = 0
        _WRITERS.add(self)

    # -- the request side ------------------------------------------------------------------------

    def submit(self, row: dict) -> None:
        """Queue one row (never raises for database trouble: the row waits for the next flush)."""
        with self._lock:
            self._rows.append(row)
            self._trim()
            waiting = len(self._rows)
        if self.mode == "request":
            self.flush()
            return
        self._ensure_thread()
        if waiting >= self.batch:
            self._wake.set()

    def _trim(self) -> None:
        """Keep at most max_queue rows, dropping (and counting) the oldest; call holding _lock."""
        overflow = len(self._rows) - self.max_queue
        if overflow > 0:
            del self._rows[:overflow]
            self.dropped += overflow
            log.warning("search log queue full: %d oldest rows dropped (%d in all)", overflow, self.dropped)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    # -- writing -----------------------------------------------------------------------------------

    def flush(self) -> int:
        """Write every waiting row now; returns how many were written (0 when the database failed)."""
        with self._write_lock:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            try:
                self._write(rows)
            except Exception as exc:  # database down, connection lost: keep them for the next try
                self.failures += 1
                with self._lock:
                    self._rows[:0] = rows
                    self._trim()
                log.warning("search log: %d rows not written yet (%s); retrying at the next flush", len(rows), exc)
                return 0
            self.written += len(rows)
            return len(rows)

    def _write(self, rows: list[dict]) -> None:
        # One row per ref: a refinement replaces the search it refines (the latest counts win).
        by_ref: OrderedDict = OrderedDict()
        plain: list[dict] = []
        for row in rows:
            if row.get("ref"):
                by_ref.pop(row["ref"], None)
                by_ref[row["ref"]] = row
            else:
                plain.append(row)
        table = SearchLog.__table__
        dialect = self.engine.dialect.name
        with self.engine.begin() as conn:
            if plain:
                conn.execute(sa.insert(table), plain)
            if by_ref:
                insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
                upsert = insert.on_conflict_do_update(
                    index_elements=[table.c.ref],
                    set_={name: getattr(insert.excluded, name) for name in _UPDATED_ON_REFINEMENT},
                )
                conn.execute(upsert, list(by_ref.values()))

    # -- the background thread ---------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="search-log-writer", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # never let the thread die: the next round tries again
                log.exception("search log writer")

    def close(self) -> None:
        """Stop the thread and write what waits (process exit; tests)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self._thread = None
        self.flush()


def close_all() -> None:
    """Write what every writer of this process still holds (gunicorn's worker_exit hook)."""
    for writer in list(_WRITERS):
        writer.close()


def init_app(app) -> SearchLogWriter:
    """Create the app's writer (its thread starts with the first row, in the process that serves it)."""
    from beschikbaarheid.extensions import db

    with app.app_context():
        engine = db.engine
    writer = SearchLogWriter(
        engine,
        mode=app.config.get("SEARCH_LOG_WRITE", "background"),
        flush_seconds=float(app.config.get("SEARCH_LOG_FLUSH_S", 1.0)),
        batch=int(app.config.get("SEARCH_LOG_BATCH", 200)),
        max_queue=int(app.config.get("SEARCH_LOG_MAX_QUEUE", 10_000)),
    )
    app.extensions[EXTENSION_KEY] = writer
    return writer


def writer_for(app) -> SearchLogWriter:
    return app.extensions[EXTENSION_KEY]
