"""The gezinshuis coordination point's vocabulary: the household's age bands, specialisms, the
outcomes of a placement request, and who may act as the region's coordinator.

Plain values only (no Flask, no database). Counts per band, never a child's name or date of birth.
"""
from __future__ import annotations

N_ = str  # marks a Dutch text for pybabel; `_` translates it where it is shown

# Age bands in which a household's children are counted (placed children and the parents' own).
HOUSEHOLD_BANDS = ("0-3", "4-7", "8-11", "12-15", "16-17", "18+")
HOUSEHOLD_KINDS = {"placed": N_("Geplaatste kinderen"), "own": N_("Eigen kinderen")}

# What a gezinshuis specialises in, beyond the target groups it serves.
SPECIALISMS = {
    "ZWAAR": N_("Specialistisch gezinshuis (zwaardere problematiek)"),
    "JONG": N_("Jonge kinderen (0-4)"),
    "TIENERS": N_("Tieners"),
    "18PLUS": N_("Doorplaatsing na 18 (tot 21)"),
    "MEDISCH": N_("Medische zorg of beperking"),
}

# Ages in which a placement request is logged (steering figures): never the exact age.
REQUEST_BANDS = ("0-3", "4-7", "8-11", "12-15", "16-17", "18+")

# The outcome of a placement request; "wachtend" until one is logged.
OUTCOMES = {
    "wachtend": N_("Wacht nog"),
    "gezinshuis": N_("Geplaatst in een gezinshuis"),
    "pleegzorg": N_("Pleegzorg"),
    "woongroep": N_("Woongroep"),
    "segment1": N_("Segment 1 (hoogspecialistisch)"),
    "anders": N_("Anders"),
}

# Details of requests older than this are reduced to monthly counts.
REQUEST_DETAIL_YEARS = 2

COORDINATOR_ROLES = ("contractmanager", "beheerder")


def band_of(age: int, bands: tuple[str, ...] = HOUSEHOLD_BANDS) -> str:
    """The band an age falls in ("4-7", "18+")."""
    for band in bands:
        low, _, high = band.rstrip("+").partition("-")
        if int(low) <= age and (not high or age <= int(high)):
            return band
    return bands[-1]


def is_coordinator(role: str, right: bool) -> bool:
    """A contract manager or administrator account that holds the coordinator right."""
    return right and role in COORDINATOR_ROLES
