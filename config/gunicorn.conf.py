"""Gunicorn settings for production; every value can be changed through an environment variable.

Start: `gunicorn -c config/gunicorn.conf.py` (the app is `beschikbaarheid:create_app()`); see README,
"Uitrol (productie)". The scheduler is NOT started here: it runs as its own service (`flask jobs run`).

Choices, and why:
- worker_class "gthread": the search page is CPU work (scoring in Python) but most other requests
  wait on PostgreSQL or on SMTP (password-reset mails are sent after the response, in the worker). A few threads
  per process keep a worker busy while one request waits, and gthread supports keep-alive towards
  the reverse proxy. Sync workers would need one process per concurrent slow request.
- workers: 2 x cores + 1, capped at 8 so that workers x threads (the most database connections in
  use at once) stays well under PostgreSQL's default max_connections of 100.
- preload_app False: every worker imports the app itself, so no database connection or search
  index is shared across fork(), and a worker restart picks up the same code as a fresh start.
- The access log holds the path WITHOUT the query string and without the Referer: search URLs
  contain a postcode, an age and a need (`/zoeken/?locatie=5701&leeftijd=12&...`). Together with
  an IP address that is personal data we do not need to keep. The token of a password-reset or
  provider link is a credential: the log keeps the route and replaces the token (`AccessLogger`).
- Behind a TLS reverse proxy (nginx) on the same host: gunicorn trusts X-Forwarded-Proto only from
  FORWARDED_ALLOW_IPS (gunicorn's own variable; default loopback), and `post_worker_init` below
  makes the app see the client's address from X-Forwarded-For, for the same peers only, so the
  login rate limit counts per client instead of per proxy.
"""
from __future__ import annotations

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

MAX_DEFAULT_WORKERS = 8


def _env_int(name: str, default: int) -> int:
    """An integer setting from the environment; empty means the default."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def default_workers(cores: int | None = None) -> int:
    """2 x cores + 1 (gunicorn's rule of thumb), at most MAX_DEFAULT_WORKERS."""
    cores = cores or multiprocessing.cpu_count()
    return max(1, min(2 * cores + 1, MAX_DEFAULT_WORKERS))


wsgi_app = "beschikbaarheid:create_app()"
proc_name = "beschikbaarheid-web"

# Loopback by default: only the reverse proxy on this host talks to gunicorn. Several addresses
# (or unix:/run/beschikbaarheid/web.sock) may be given separated by commas.
bind = [b.strip() for b in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if b.strip()]
workers = _env_int("GUNICORN_WORKERS", _env_int("WEB_CONCURRENCY", default_workers()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _env_int("GUNICORN_THREADS", 4)

# gthread: the arbiter kills a worker that has not checked in for `timeout` s (a hung process,
# not a slow request). graceful_timeout lets running requests finish on reload/stop.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Worker recycling is off: the load test showed that a gthread worker restarting after
# max_requests resets the keep-alive connections queued on it (a failed request for the client).
# Turn it on (e.g. 5000) only if a worker's memory is seen to grow.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 0)
preload_app = False

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# How many proxies in front append to X-Forwarded-For (0: ignore the header).
proxy_hops = _env_int("GUNICORN_PROXY_HOPS", 1)

# The longest request line gunicorn reads (default 4094): a search URL with many target groups and a
# long place name can pass that, and gunicorn would answer with its own HTML 400 instead of the app's
# JSON error. 8190 is what nginx passes on by default (large_client_header_buffers 4 8k).
limit_request_line = _env_int("GUNICORN_LIMIT_REQUEST_LINE", 8190)

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# %(U)s is the path only; %(r)s (request line) and %(f)s (Referer) would carry the query string.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# The routes whose last part is a token that opens something (tests/deploy/test_files.py checks
# that every `<token>` route of the app is here).
TOKEN_PATHS = re.compile(r"(/account/wachtwoord-herstellen/|/account/uitnodiging/|/aanbieder/link/|/mijn-zoekopdrachten/link/)[^/?#\s]+")


class AccessLogger(Logger):
    """gunicorn's logger, with the token of a reset, invitation, provider or plek-alert link replaced in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "f"):  # path, request line, Referer
            atoms[key] = TOKEN_PATHS.sub(r"\1[token]", atoms[key])
        return atoms


logger_class = AccessLogger


class TrustedProxyFix:
    """Apply werkzeug's ProxyFix only to requests from a trusted proxy, so clients cannot spoof their address."""

    def __init__(self, app, trusted: str, hops: int):
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.app = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=0, x_host=0)
        self.trusted = {ip.strip() for ip in trusted.split(",") if ip.strip()}

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR") or ""
        # An empty peer is a unix socket: only the local proxy can reach it.
        if "*" in self.trusted or not peer or peer in self.trusted:
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def post_worker_init(worker):
    """Wrap the app in TrustedProxyFix (gunicorn itself only rewrites the scheme, not the client address)."""
    if proxy_hops > 0:
        worker.wsgi = TrustedProxyFix(worker.wsgi, ",".join(worker.cfg.forwarded_allow_ips), proxy_hops)
