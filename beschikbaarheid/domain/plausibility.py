"""Plausibility of a provider's figures before they are saved: hard errors and questions to confirm.

Pure: takes the submitted text and the current values, returns parsed values, Dutch errors per field
and warnings (doubtful but possible values the provider may confirm). Thresholds come from settings.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from beschikbaarheid.domain.client_data import check_free_text
from beschikbaarheid.domain import wait_figures
from beschikbaarheid.domain.freshness import dutch

INT_FIELDS = ("capacity", "free_places", "waiting_weeks", "age_min", "age_max", "waiting_count", "realised_started")
# Fields that may be left empty (unknown); the rest must be filled in when submitted.
OPTIONAL_FIELDS = frozenset({"capacity", "note", "target_groups", "waiting_count", "realised_started",
                             "realised_wait_weeks", "group_waits"})
UNKNOWN_WORDS = frozenset({"onbekend", "?"})  # typed for "aantal wachtenden onbekend", same as empty
INTAKE_STATUSES = ("open", "gesloten", "overleg")
# A note for referrers is a line or two about the offering; longer text is where case stories go
# (and the history keeps old values in 400 characters).
MAX_NOTE_LENGTH = 300
MAX_AGE = 27  # the age_range check constraint on offering

_INT_RE = re.compile(r"^[+-]?\d{1,9}$")


@dataclass(frozen=True)
class Limits:
    """Thresholds (PLAUSIBILITY_* settings)."""

    max_jump_weeks: int = 12
    max_waiting_weeks: int = 156
    max_capacity: int = 500

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        """Read the thresholds from a settings mapping (app.config)."""
        return cls(
            max_jump_weeks=int(config.get("PLAUSIBILITY_MAX_JUMP_WEEKS", cls.max_jump_weeks)),
            max_waiting_weeks=int(config.get("PLAUSIBILITY_MAX_WAITING_WEEKS", cls.max_waiting_weeks)),
            max_capacity=int(config.get("PLAUSIBILITY_MAX_CAPACITY", cls.max_capacity)),
        )


@dataclass(frozen=True)
class Doubt:
    """A possible but doubtful value; `key` encodes the values so a confirmation applies to exactly them."""

    key: str
    field: str
    message: str


@dataclass
class Check:
    """Outcome of checking one submission."""

    values: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    doubts: list[Doubt] = field(default_factory=list)
    # True when the doubtful values equal already confirmed current ones (no need to ask again).
    keeps_confirmation: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def doubt_keys(self) -> list[str]:
        return [d.key for d in self.doubts]

    def is_confirmed_by(self, acknowledged: Iterable[str]) -> bool:
        """True when every current doubt was shown to (and confirmed by) the provider."""
        return set(self.doubt_keys) <= {a for a in acknowledged if a}

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def parse_int(raw: str | None, _=dutch) -> tuple[int | None, str | None]:
    """Parse a whole number typed by a person; (None, None) for empty, (None, error) for garbage."""
    text = (raw or "").strip()
    if not text:
        return None, None
    if not _INT_RE.match(text):
        if re.match(r"^[+-]?\d+[.,]\d+$", text):
            return None, _("Vul een heel getal in, zonder komma of punt.")
        if re.match(r"^[+-]?\d+$", text):
            return None, _("Dit getal is veel te groot.")
        return None, _("Vul een getal in.")
    return int(text), None


def check_submission(
    raw: Mapping,
    current: Mapping,
    limits: Limits,
    fields: Iterable[str],
    *,
    target_group_codes: Iterable[str] = (),
    current_confirmed: bool = False,
    own_contacts: Iterable[str | None] = (),
    _=dutch,
) -> Check:
    """Parse and check the submitted `fields` against each other and against the current values.

    `raw` maps field names to submitted text (target_groups to a list of codes); `current` holds the
    offering's present values, used for fields not submitted and for the jump check. The note is
    free text: no control characters but tab and line breaks, and no client data; the provider's
    `own_contacts` (intake phone and e-mail, location street) may appear in it. Messages are
    Dutch unless `_` (a gettext-like callable) translates them.
    """
    fields = tuple(fields)
    result = Check()
    for name in fields:
        value = raw.get(name)
        if name == "waiting_count" and str(value or "").strip().lower() in UNKNOWN_WORDS:
            value = ""
        if name in INT_FIELDS:
            number, error = parse_int(value, _)
            if error:
                result.add_error(name, error)
            elif number is None and name not in OPTIONAL_FIELDS:
                result.add_error(name, _(_REQUIRED[name]))
            elif number is not None and number < 0:
                result.add_error(name, _("Dit getal kan niet negatief zijn."))
            else:
                result.values[name] = number
        elif name == "intake_status":
            status = (value or "").strip()
            if status not in INTAKE_STATUSES:
                result.add_error(name, _("Kies een aanmeldstatus."))
            else:
                result.values[name] = status
        elif name == "note":
            note = (value or "").strip().replace("\r\n", "\n")
            if len(note) > MAX_NOTE_LENGTH:
                result.add_error(name, _("De notitie is te lang (maximaal %(max)d tekens, nu %(n)d).", max=MAX_NOTE_LENGTH, n=len(note)))
            elif problem := check_free_text(note, multiline=True, own=own_contacts, _=_):
                result.add_error(name, problem)
            else:
                result.values[name] = note
        elif name == "target_groups":
            allowed = set(target_group_codes)
            codes = sorted({str(c).strip().upper() for c in (value or []) if str(c).strip()})
            unknown = [c for c in codes if allowed and c not in allowed]
            if unknown:
                result.add_error(name, _("Onbekende doelgroep: %(codes)s.", codes=", ".join(unknown)))
            else:
                result.values[name] = codes
        elif name == "realised_wait_weeks":
            weeks, error = wait_figures.parse_weeks(value, _)
            if error:
                result.add_error(name, error)
            else:
                result.values[name] = weeks
        elif name == "group_waits":
            # {code: typed weeks}; an empty field means the group waits as long as the general wait.
            waits = {}
            for code, text in (value or {}).items():
                weeks, error = parse_int(text, _)
                if error:
                    result.add_error(name, f"{code}: {error}")
                elif weeks is not None:
                    waits[str(code).strip().upper()] = weeks
            result.values[name] = waits
        else:
            raise ValueError(f"unknown field {name!r}")

    merged = {k: current.get(k) for k in (*INT_FIELDS, "intake_status", "realised_wait_weeks", "group_waits", "target_groups")}
    merged.update(result.values)
    _check_ranges(result, merged, limits, _)
    _check_wait_figures(result, merged, limits, target_group_codes, _)
    if result.errors:
        return result

    doubts = _doubts(merged, current, limits, _)
    if doubts and current_confirmed:
        # The provider already confirmed these same unusual values; do not ask again for a note edit.
        already = {d.key for d in _doubts({k: current.get(k) for k in merged}, current, limits, _)}
        if {d.key for d in doubts} <= already:
            result.keeps_confirmation = True
            doubts = []
    result.doubts = doubts
    return result


N_ = str  # marks a Dutch text for pybabel; `_` translates it where it is used
_REQUIRED = {
    "capacity": N_("Vul de capaciteit in."),
    "free_places": N_("Vul het aantal vrije plekken in (0 als er geen plek vrij is)."),
    "waiting_weeks": N_("Vul de wachttijd in weken in (0 als een jeugdige direct kan starten)."),
    "age_min": N_("Vul de minimumleeftijd in."),
    "age_max": N_("Vul de maximumleeftijd in."),
}


def _check_ranges(result: Check, v: Mapping, limits: Limits, _=dutch) -> None:
    """Hard errors: values that cannot be true."""
    capacity, free, waiting = v.get("capacity"), v.get("free_places"), v.get("waiting_weeks")
    bad = set(result.errors)
    if capacity is not None and "capacity" not in bad and capacity > limits.max_capacity:
        result.add_error("capacity", _("Een capaciteit van meer dan %(max)d plekken op één locatie kan niet kloppen.", max=limits.max_capacity))
    if free is not None and "free_places" not in bad:
        if capacity is not None and "capacity" not in bad and free > capacity:
            result.add_error("free_places", _("Er kunnen niet meer plekken vrij zijn (%(free)d) dan de capaciteit (%(capacity)d).", free=free, capacity=capacity))
        elif free > limits.max_capacity:
            result.add_error("free_places", _("Meer dan %(max)d vrije plekken op één locatie kan niet kloppen.", max=limits.max_capacity))
    if waiting is not None and "waiting_weeks" not in bad and waiting > limits.max_waiting_weeks:
        years = limits.max_waiting_weeks // 52
        result.add_error(
            "waiting_weeks",
            _("Een wachttijd van meer dan %(max)d weken (ongeveer %(years)d jaar) kan niet kloppen. Vul de wachttijd in weken in.",
              max=limits.max_waiting_weeks, years=years),
        )
    age_min, age_max = v.get("age_min"), v.get("age_max")
    if age_max is not None and "age_max" not in bad and age_max > MAX_AGE:
        result.add_error("age_max", _("De maximumleeftijd kan niet hoger zijn dan %(max)d jaar.", max=MAX_AGE))
    elif age_min is not None and age_max is not None and not bad & {"age_min", "age_max"} and age_min > age_max:
        result.add_error("age_min", _("De minimumleeftijd (%(min)d) is hoger dan de maximumleeftijd (%(max)d).", min=age_min, max=age_max))


def _check_wait_figures(result: Check, v: Mapping, limits: Limits, known_groups: Iterable[str], _=dutch) -> None:
    """Hard errors in the realised wait (pairs with its number of starts) and the waits per target group."""
    bad = set(result.errors)
    if not bad & {"realised_wait_weeks", "realised_started"}:
        problem = wait_figures.realised_error(v.get("realised_wait_weeks"), v.get("realised_started"), limits.max_waiting_weeks, _)
        if problem:
            result.add_error("realised_wait_weeks" if v.get("realised_wait_weeks") is not None else "realised_started", problem)
    if "group_waits" not in bad and "target_groups" not in bad and v.get("group_waits"):
        known = list(known_groups) or list(v["group_waits"])
        for problem in wait_figures.group_waits_errors(v["group_waits"], known=known, served=v.get("target_groups") or (),
                                                       max_weeks=limits.max_waiting_weeks, _=_):
            result.add_error("group_waits", problem)


def _doubts(v: Mapping, current: Mapping, limits: Limits, _=dutch) -> list[Doubt]:
    """Warnings: possible but doubtful values ("0 weken wachttijd is niet het geluid uit de praktijk")."""
    doubts: list[Doubt] = []
    free, waiting, status = v.get("free_places"), v.get("waiting_weeks"), v.get("intake_status")
    if waiting == 0 and free == 0:
        doubts.append(Doubt(
            "zero_wait_no_place", "waiting_weeks",
            _("U meldt 0 weken wachttijd terwijl er geen plek vrij is. Kan een jeugdige echt direct starten?"),
        ))
    old = current.get("waiting_weeks")
    if waiting is not None and old is not None and abs(waiting - old) > limits.max_jump_weeks:
        doubts.append(Doubt(
            f"jump:{old}:{waiting}", "waiting_weeks",
            _("De wachttijd verandert van %(old)d naar %(new)d weken: meer dan %(max)d weken verschil. Klopt dat?",
              old=old, new=waiting, max=limits.max_jump_weeks),
        ))
    count, realised = v.get("waiting_count"), v.get("realised_wait_weeks")
    if wait_figures.realised_far_from_expected(realised, waiting):
        doubts.append(Doubt(
            f"realised_far:{realised}:{waiting}", "realised_wait_weeks",
            _("De gerealiseerde wachttijd (%(realised)s weken) ligt ver van de verwachte wachttijd (%(expected)d weken). Klopt dat?",
              realised=wait_figures.weeks_text(realised), expected=waiting),
        ))
    if count and waiting == 0:
        doubts.append(Doubt(
            f"waiting_zero_wait:{count}", "waiting_count",
            _("U meldt %(n)d wachtenden terwijl de verwachte wachttijd 0 weken is. Klopt dat?", n=count),
        ))
    if count and free:
        doubts.append(Doubt(
            f"waiting_with_places:{count}:{free}", "waiting_count",
            _("U meldt %(n)d wachtenden terwijl er 1 plek vrij is. Kan er niemand op die plek starten?", n=count) if free == 1
            else _("U meldt %(n)d wachtenden terwijl er %(free)d plekken vrij zijn. Kan er niemand op die plekken starten?", n=count, free=free),
        ))
    if status == "gesloten" and free:
        doubts.append(Doubt(
            f"closed_with_places:{free}", "intake_status",
            _("U meldt een aanmeldstop terwijl er 1 plek vrij is. Klopt dat?") if free == 1
            else _("U meldt een aanmeldstop terwijl er %(n)d plekken vrij zijn. Klopt dat?", n=free),
        ))
    return doubts
