"""What the browser tests share: logging in through the real form, axe-core runs collected per page,
and the reflow check (nothing sticks out of a narrow viewport). Fixtures are in conftest.py."""
from __future__ import annotations

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
DEMO_PASSWORD = "demo-wachtwoord-2026"


def login(page, base: str, email: str) -> None:
    """Log in through the real form."""
    page.goto(base + "/account/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    assert "/account/inloggen" not in page.url, f"login failed for {email}"


def axe_violations(page, base: str) -> list[dict]:
    """Run axe-core (served from our own static/vendor, so the CSP allows it) on the current page."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=base + "/static/vendor/axe.min.js")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


class Checker:
    """Collects axe findings per page so one run reports every failing page at once."""

    def __init__(self, base: str):
        self.base = base
        self.checked: list[str] = []
        self.failures: dict[str, list[str]] = {}

    def check(self, page, name: str) -> None:
        page.wait_for_load_state()
        self.checked.append(name)
        for v in axe_violations(page, self.base):
            nodes = "; ".join(str(n["target"][0]) for n in v["nodes"][:4])
            self.failures.setdefault(name, []).append(f"{v['id']} ({v['impact']}): {v['help']} -> {nodes}")

    def report(self) -> str:
        return "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in self.failures.items())


def overflowing(page) -> list[str]:
    """Elements that stick out to the right of a 320 px viewport, outside a .table-scroll box."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth, out = [];
          for (const el of document.querySelectorAll('body *')) {
            if (el.closest('.table-scroll, .visually-hidden, .skip-link')) continue;
            const r = el.getBoundingClientRect();
            if (r.width && r.right > width + 1) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
              (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
              ' right=' + Math.round(r.right));
          }
          // Text can stick out of its box too (a long Dutch compound word in a big heading).
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const parent = node.parentElement;
            if (!node.textContent.trim() || parent.closest('.table-scroll, .visually-hidden, .skip-link, script')) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const r = range.getBoundingClientRect();
            if (r.width && r.right > width + 1) out.push('text "' + node.textContent.trim().slice(0, 40) + '" right=' + Math.round(r.right));
          }
          return out.slice(0, 8);
        }"""
    )
