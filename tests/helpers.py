"""Test helpers shared across test modules."""
from __future__ import annotations

import http.client
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)", re.I)
HX = {"HX-Request": "true"}  # a request as htmx sends it


def row_form(token, version=1, **values) -> dict:
    """The provider's inline row form (an offering of 6 places, 1 free, 4 weeks) with `values` changed."""
    data = {"csrf_token": token, "version": str(version), "layout": "row", "capacity": "6", "free_places": "1",
            "waiting_weeks": "4", "intake_status": "open", "note": ""}
    data.update({k: str(v) for k, v in values.items()})
    return data


def assert_csp_safe(html: str) -> None:
    """No inline style, inline script or hx-on: the page works under the strict Content-Security-Policy."""
    assert 'style="' not in html and "<style" not in html
    assert not INLINE_SCRIPT.search(html)
    assert " hx-on" not in html


def csrf_token(client, path: str) -> str:
    """GET `path` and return the CSRF token of its first form (tests post real forms)."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in `html`."""
    match = _CSRF.search(html)
    assert match, "no csrf_token in form"
    return match.group(1)


class HttpClient:
    """A minimal loopback HTTP client that keeps cookies itself, Secure ones too (we play the TLS proxy)."""

    def __init__(self, base: str, timeout: float = 10):
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """One request on a fresh connection; returns (status, headers, text)."""
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            hdrs = dict(headers or {})
            if self.cookies:
                hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            data = None
            if body is not None:
                data = urlencode(body, doseq=True)
                hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=data, headers=hdrs)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self.set_cookie_headers.append(header)
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                lowered = header.lower()
                if not value or "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return response.status, response.headers, text
        finally:
            conn.close()

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict, **kw):
        return self.request("POST", path, body=data, **kw)
