"""No secret in the repository: every tracked file is scanned for private keys, cloud and service
tokens and passwords in connection URLs; Python code may hard-code a secret-like setting only where it
is clearly for development, tests or the demo; production has no default SECRET_KEY.
"""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from config import load_config
from config.settings import BaseConfig, ProductionConfig
from tests.helpers import ROOT


# Patterns of real credentials. Written so that this file itself does not match them.
PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(r"(?i)aws_?secret_?access_?key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[0-9A-Za-z]{16,}\b"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"<>]+:(?P<password>[^\s/@'\"<>]{3,})@[\w.-]+"),
}
# A secret set in a shell, Makefile or .env line ("export SECRET_KEY=..."); Python is checked by its syntax tree below.
ENV_ASSIGNMENT = re.compile(r"(?m)^[ \t]*(?:export[ \t]+)?(?:[A-Z_]*(?:SECRET|PASSWORD|TOKEN|API_KEY)[A-Z_]*)[ \t]*=[ \t]*(?P<password>(?=[^\s#'\"]*[A-Za-z])[^\s#'\"]{4,})")
# Documentation placeholders in a URL's password place ("postgresql://user:password@host").
PLACEHOLDER = re.compile(r"(?i)^(password|passwd|wachtwoord|secret|geheim|changeme|xxx+|\*+|…|\.\.\.|\$\w+|\$\{\w+\}|<[^>]*>|\{\w*\}|%\(\w+\)s)$")
# Files that may not be tracked at all, whatever they hold.
FORBIDDEN_NAMES = re.compile(r"(^|/)(\.env(\.[\w-]+)?|id_rsa|id_ed25519|[^/]+\.pem|[^/]+\.key|[^/]+\.p12|[^/]+\.pfx|\.pgpass|\.netrc)$")
ALLOWED_NAMES = {".env.example"}

# Setting-like names that must never carry a literal outside development/test/demo code.
SECRET_NAME = re.compile(r"(?i)(secret|passw(or)?d|passwd|token|api_?key|private_?key|credential)")
# (file, qualified name) -> the literal: each clearly not a secret (documented dev, test or demo value).
ALLOWED_LITERALS = {
    ("config/settings.py", "TestConfig.SECRET_KEY"): "test-only-not-secret",
    ("config/settings.py", "BaseConfig.DEMO_PASSWORD"): "demo-wachtwoord-2026",  # public, in the README
    ("config/settings.py", "BaseConfig.PASSWORD_HASH_METHOD"): "scrypt:65536:8:1",  # an algorithm's name, not a secret
    ("config/settings.py", "TestConfig.PASSWORD_HASH_METHOD"): "scrypt",
    ("beschikbaarheid/demo/data/accounts.py", "DEFAULT_PASSWORD"): "demo-wachtwoord-2026",
}
# Code that runs in production; tests and benchmarks make their own throw-away accounts.
APP_CODE = ("beschikbaarheid/", "config/", "jobs/")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


def find_secrets(text: str, filename: str = "") -> list[str]:
    """The kinds of credential found in `text`, with the matching snippet."""
    patterns = dict(PATTERNS) if filename.endswith(".py") else {**PATTERNS, "secret in an environment line": ENV_ASSIGNMENT}
    return [
        f"{kind}: {match.group(0).strip()[:40]}"
        for kind, pattern in patterns.items()
        for match in pattern.finditer(text)
        if not PLACEHOLDER.match(match.groupdict().get("password") or "-")
    ]


def literal_secrets(source: str, filename: str) -> dict[str, str]:
    """{qualified name: literal} of assignments and keyword arguments that look like secrets."""
    found: dict[str, str] = {}

    def visit(node, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{scope}{child.name}.")
                continue
            targets, value = [], None
            if isinstance(child, ast.Assign):
                targets, value = child.targets, child.value
            elif isinstance(child, ast.AnnAssign) and child.value is not None:
                targets, value = [child.target], child.value
            elif isinstance(child, ast.keyword) and child.arg:
                targets, value = [ast.Name(id=child.arg)], child.value
            for target in targets:
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                if name and SECRET_NAME.search(name) and isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                    found[f"{scope}{name}"] = value.value
            visit(child, scope)

    visit(ast.parse(source, filename), "")
    return found


def test_no_credentials_in_any_tracked_file():
    files = tracked_files()
    assert "config/settings.py" in files  # really the repository's file list
    problems = [name for name in files if FORBIDDEN_NAMES.search(name) and Path(name).name not in ALLOWED_NAMES]
    for name in files:
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        problems += [f"{name}: {hit}" for hit in find_secrets(data.decode("utf-8", "replace"), name)]
    assert problems == [], "credentials in the repository:\n" + "\n".join(problems)


def test_code_hard_codes_no_secret_outside_dev_test_and_demo():
    found = {}
    for name in tracked_files():
        if name.endswith(".py") and name.startswith(APP_CODE) and (ROOT / name).is_file():
            for qualified, literal in literal_secrets((ROOT / name).read_text(encoding="utf-8"), name).items():
                found[(name, qualified)] = literal
    unexpected = {k: v for k, v in found.items() if ALLOWED_LITERALS.get(k) != v}
    assert unexpected == {}, "a secret-like setting has a literal value; take it from the environment"


def test_the_scanner_finds_planted_secrets():
    """Control: each pattern fires on a sample (assembled at run time so the repository holds none)."""
    samples = {
        "private key": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE...",
        "AWS access key id": "key = 'AKIA" + "Q" * 16 + "'",
        "AWS secret access key": "aws_secret_access_key = " + "a" * 40,
        "GitHub token": "ghp_" + "x" * 36,
        "Slack token": "xoxb-" + "1234567890-abc",
        "Google API key": "AIza" + "B" * 35,
        "Stripe live key": "sk_live_" + "c" * 24,
        "password in a URL": "DATABASE_URL=postgresql://app:" + "hunter2hunter2@db.internal/prod",
    }
    for kind, text in samples.items():
        assert any(hit.startswith(kind) for hit in find_secrets(text)), kind
    assert find_secrets("export SECRET_KEY=" + "s3cr3t-value\n", "deploy/run.sh")
    assert find_secrets("MAIL_PASSWORD=" + "hunter2x\n", ".env.production")
    for harmless in ("SECRET_KEY=\n", "MAIL_PASSWORD=  # fill in\n", "MAX_PASSWORD_LENGTH = 200\n", "SECRET_KEY=${SECRET_KEY}\n"):
        assert find_secrets(harmless, "Makefile") == [], harmless
    for harmless in ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://user:${DB_PASSWORD}@host/db", "https://example.org/a:b@c",
                     "postgresql://user:password@127.0.0.1:5432/db", "DATABASE_URL=postgresql://app:WACHTWOORD@db/app"):
        assert find_secrets(harmless) == [], harmless
    code = "class ProductionConfig:\n    SECRET_KEY = 'prod-" + "secret'\nMAIL_PASSWORD = 'x" + "yz'\nconnect(password='p" + "w')\n"
    assert set(literal_secrets(code, "x.py")) == {"ProductionConfig.SECRET_KEY", "MAIL_PASSWORD", "password"}


def test_production_has_no_default_secret_key(monkeypatch):
    assert ProductionConfig.SECRET_KEY is None and BaseConfig.SECRET_KEY is None
    assert ProductionConfig.MAIL_PASSWORD is None
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")
    monkeypatch.setenv("SECRET_KEY", "")  # an empty variable is no key either
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")
    # With the variable set, production signs with exactly that key.
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert load_config("production")["SECRET_KEY"] == "k" * 40
