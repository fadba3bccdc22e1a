"""Coordinator's overview of the region's gezinshuizen and the best-match list (coordinator and referrers)."""
from __future__ import annotations

from beschikbaarheid.gezinshuis.access import bp  # noqa: F401
