"""The demo accounts, one or more per role, all with the same known demo password."""
from __future__ import annotations

DEFAULT_PASSWORD = "demo-wachtwoord-2026"
DOMAIN = "demo.example"

# email, display name, role, referrer type (iJw COD327) or None, index into NAMED_PROVIDERS or None
ACCOUNTS: tuple[tuple[str, str, str, str | None, int | None], ...] = (
    ("beheerder@demo.example", "Demo Beheerder", "beheerder", None, None),
    ("contractmanager@demo.example", "Demo Contractmanager", "contractmanager", None, None),
    ("verwijzer-gemeente@demo.example", "Demo Verwijzer (gemeentelijke toegang)", "verwijzer", "01", None),
    ("verwijzer-huisarts@demo.example", "Demo Verwijzer (huisarts)", "verwijzer", "02", None),
    ("verwijzer-jeugdarts@demo.example", "Demo Verwijzer (jeugdarts)", "verwijzer", "03", None),
    ("verwijzer-gi@demo.example", "Demo Verwijzer (gecertificeerde instelling)", "verwijzer", "04", None),
    ("verwijzer-specialist@demo.example", "Demo Verwijzer (medisch specialist)", "verwijzer", "05", None),
    ("aanbieder-delinde@demo.example", "Demo Aanbieder (De Linde)", "aanbieder", None, 0),
    ("aanbieder-zonnehoek@demo.example", "Demo Aanbieder (Zonnehoek)", "aanbieder", None, 1),
    ("aanbieder-vlindertuin@demo.example", "Demo Aanbieder (Vlindertuin)", "aanbieder", None, 2),
)
# The demo contract manager also holds the gezinshuis coordinator right (the coordination point's pages).
COORDINATOR = "contractmanager@demo.example"
