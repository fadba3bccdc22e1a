"""The deployment files say what the code expects: gunicorn settings, the env example, the systemd units."""
from __future__ import annotations

import re
import runpy

import pytest

from config.settings import BaseConfig
from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
# Read by something other than load_config: the settings loader's extras, gunicorn, and our gunicorn config.
NON_APP_KEYS = {"BESCHIKBAARHEID_ENV", "DATABASE_URL", "FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY"}


def load_gunicorn_conf(monkeypatch, **env) -> dict:
    for key in ("GUNICORN_BIND", "GUNICORN_WORKERS", "WEB_CONCURRENCY", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS", "GUNICORN_LIMIT_REQUEST_LINE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_defaults_are_safe(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]  # never all interfaces unless asked
    assert conf["wsgi_app"] == "beschikbaarheid:create_app()"
    assert conf["worker_class"] == "gthread" and conf["preload_app"] is False
    assert 1 <= conf["workers"] <= conf["MAX_DEFAULT_WORKERS"]
    assert [conf["default_workers"](n) for n in (1, 2, 3, 4, 16)] == [3, 5, 7, 8, 8]
    assert "%(r)s" not in conf["access_log_format"] and "%(q)s" not in conf["access_log_format"]
    assert "%(f)s" not in conf["access_log_format"] and "%(U)s" in conf["access_log_format"]
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"


def long_search_path(request_line: int) -> str:
    """An API search whose request line ("GET <path> HTTP/1.1") is exactly `request_line` long."""
    path = "/api/v1/search?locatie=5701&leeftijd=12&product=gezinshuis&doelgroepen="
    filler = request_line - len(f"GET {path} HTTP/1.1")
    return path + ("ASS," * filler)[:filler]


def test_gunicorn_reads_request_lines_as_long_as_nginx_passes_on(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    assert conf["limit_request_line"] == 8190  # nginx: large_client_header_buffers 4 8k
    assert load_gunicorn_conf(monkeypatch, GUNICORN_LIMIT_REQUEST_LINE="4094")["limit_request_line"] == 4094


def test_a_search_url_at_the_request_line_limit_is_answered_by_the_app(client, monkeypatch):
    limit = load_gunicorn_conf(monkeypatch)["limit_request_line"]
    path = long_search_path(limit)
    assert len(f"GET {path} HTTP/1.1") == limit > 4094
    response = client.get(path)
    assert response.status_code in (200, 400) and response.is_json  # the API's own answer, never a 5xx
    assert response.headers["Cache-Control"] == "no-store"


def test_every_token_route_is_kept_out_of_the_access_log(app, monkeypatch):
    """A reset or provider link's token opens an account or a provider's data for days: the access
    log (path, request line, Referer) keeps the route, not the token; a new `<token>` route must be
    added to TOKEN_PATHS or this fails."""
    tokens = load_gunicorn_conf(monkeypatch)["TOKEN_PATHS"]
    token_rules = [rule.rule for rule in app.url_map.iter_rules() if "<token>" in rule.rule]
    assert token_rules
    for rule in token_rules:
        path = rule.replace("<token>", "eyJwIjoxMn0.Zk3s9Q.geheim-token")
        for logged in (path, f"GET {path} HTTP/1.1", f"https://wijzer.example{path}"):
            kept = tokens.sub(r"\1[token]", logged)
            assert "geheim-token" not in kept and "[token]" in kept, (rule, kept)


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, GUNICORN_BIND="unix:/run/bw/web.sock, 127.0.0.1:9000",
                              GUNICORN_WORKERS="3", GUNICORN_THREADS="8")
    assert conf["bind"] == ["unix:/run/bw/web.sock", "127.0.0.1:9000"]
    assert (conf["workers"], conf["threads"]) == (3, 8)
    assert load_gunicorn_conf(monkeypatch, WEB_CONCURRENCY="6")["workers"] == 6


def test_forwarded_for_is_believed_only_from_the_trusted_proxy(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    seen = {}

    def app(environ, start_response):
        seen["addr"] = environ["REMOTE_ADDR"]
        return []

    fixed = conf["TrustedProxyFix"](app, "127.0.0.1,::1", 1)
    spoof = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.9", "wsgi.url_scheme": "http"}
    fixed({**spoof, "REMOTE_ADDR": "127.0.0.1"}, None)
    assert seen["addr"] == "203.0.113.9"  # the hop our proxy appended, not what the client claimed
    fixed({**spoof, "REMOTE_ADDR": "198.51.100.7"}, None)
    assert seen["addr"] == "198.51.100.7"  # not our proxy: the header is ignored


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "beschikbaarheid.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"not KEY=VALUE: {line!r}"
            assert " " not in value or (value.startswith('"') and value.endswith('"')), f"quote {key}: shells split it"
            pairs[key] = value
    return pairs


def test_env_example_names_real_settings_and_holds_no_secret():
    pairs = _env_example()
    app_keys = {k for k in dir(BaseConfig) if k.isupper()}
    unknown = {k for k in pairs if k not in app_keys | NON_APP_KEYS and not k.startswith("GUNICORN_")}
    assert unknown == set(), "typo or setting that nothing reads"
    required = {"BESCHIKBAARHEID_ENV", "SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL", "MAIL_SERVER", "RATELIMIT_STORAGE_URI"}
    assert required <= set(pairs)
    assert pairs["BESCHIKBAARHEID_ENV"] == "production"
    assert pairs["SECRET_KEY"] == "" and pairs["MAIL_PASSWORD"] == ""
    assert pairs["RATELIMIT_STORAGE_URI"].startswith("redis://")


@pytest.mark.parametrize("unit,command", [
    ("beschikbaarheid-web.service", "gunicorn -c config/gunicorn.conf.py"),
    ("beschikbaarheid-jobs.service", "flask --app beschikbaarheid jobs run"),
])
def test_systemd_units_start_the_right_process_with_the_env_file(unit, command):
    text = (DEPLOY / unit).read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", text, re.M).group(1)
    assert exec_start.endswith(command)
    assert "EnvironmentFile=/etc/beschikbaarheid/beschikbaarheid.env" in text
    assert re.search(r"^User=(?!root)\w+", text, re.M)
    assert "jobs" not in (DEPLOY / "beschikbaarheid-web.service").read_text().split("[Service]")[1]
