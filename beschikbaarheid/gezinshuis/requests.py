"""The coordinator's anonymous log of placement requests and the monthly steering figures."""
from __future__ import annotations

from beschikbaarheid.gezinshuis.access import bp  # noqa: F401
