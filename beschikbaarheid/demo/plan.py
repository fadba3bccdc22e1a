"""The demo's plan: every provider, location, contract, offering and month of history, drawn from a fixed seed.

`plan_demo()` returns plain values (no database, no date), so the figures are the same on every
run; `demo.load` gives them timestamps for a reference date and writes them.
"""
from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field

from beschikbaarheid.demo.data import catalogue, places
from beschikbaarheid.demo.data import providers as provider_parts
from beschikbaarheid.demo.practice import PlannedFeedback, PlannedSearch, plan_practice

SEED = 20230401  # the region's peilmaand, april 2023
HISTORY_MONTHS = 12  # month 0 is creation, months 1..12 are updates, 12 is the reference month
CONTRACT_START = dt.date(2023, 1, 1)
CONTRACT_START_NEW = dt.date(2025, 1, 1)
ENDED_CONTRACT_UNTIL = dt.date(2024, 12, 31)

# Update behaviour of a provider over the year: "trouw" every month, mostly early in it;
# "onregelmatig" skips months, less so as the year goes on; "alleen_bevestigen" only clicked
# 'ongewijzigd' for the last 6-9 months; "achterstand" stopped 1-4 months ago; "nooit" did nothing
# since the first registration. The shares put about 80% of the providers up to date this month
# (the region's target is 90%), so the laggards and the blind confirmations are there to see.
PROFILE_COUNTS = {"achterstand": 32, "nooit": 2, "alleen_bevestigen": 14, "onregelmatig": 30}  # rest: "trouw"

STOP_NOTES = (
    "Tijdelijke aanmeldstop: alle plekken zijn bezet.",
    "Aanmeldstop wegens personeelstekort; we verwachten over enkele maanden weer te starten.",
    "Geen nieuwe aanmeldingen tot de wachtlijst korter is.",
)
CONSULT_NOTES = (
    "Aanmelden alleen na telefonisch overleg met het intaketeam.",
    "Bel eerst met de intake om de hulpvraag te bespreken.",
    "Alleen na overleg: beperkte plek voor jeugdigen met een hoge zorgzwaarte.",
)
# Notes of an open offering, by form of care; most offerings have none.
OPEN_NOTES = {
    "ambulant": ("Ook avondafspraken mogelijk.", "Wachttijd is een gemiddelde; bij spoed graag bellen."),
    "dagbehandeling": ("Vervoer van en naar de locatie is te regelen.", "Start na een kennismakingsgesprek op locatie."),
    "stay": ("Plaatsing in overleg met de gezinsvoogd of het lokale team.", "Kennismaking op locatie vóór plaatsing."),
}

POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"


@dataclass(frozen=True)
class PlannedProvider:
    """A fictional provider with its contact details and update behaviour."""

    name: str
    kind: str
    profile: str
    slug: str
    intake_email: str
    intake_phone: str
    website: str
    staff: tuple[str, ...]
    crisis_phone: str | None = None


@dataclass(frozen=True)
class PlannedLocation:
    """A site of provider number `provider`."""

    provider: int
    name: str
    street: str
    postcode: str
    woonplaats: str
    cbs_code: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PlannedContract:
    """A contract of provider number `provider` for a product code."""

    provider: int
    code: str
    valid_from: dt.date
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class Session:
    """One moment a provider looked at its figures: a save with values, or a one-click confirmation."""

    month: int  # 1..HISTORY_MONTHS
    u_day: float
    u_time: float
    kind: str  # update | confirm
    via: str  # form | link
    author: int  # index into the provider's staff
    late: bool = False  # the extra end-of-month check of a crisis offering


@dataclass
class PlannedOffering:
    """A contracted product at one location with its figures month by month."""

    provider: int
    location: int
    code: str
    age_min: int
    age_max: int
    groups: tuple[str, ...]
    states: list[dict]  # figures per month 0..HISTORY_MONTHS (0 = at creation)
    late_states: list[dict] | None = None  # crisis: figures at the end-of-month check
    creation_u: float = 0.0
    unusual_month: int | None = None  # month whose update the provider confirmed as unusual
    # What practice checks the wait against, per month 0..HISTORY_MONTHS: waiting_count,
    # realised_wait_weeks, realised_started (counts and averages only; None: not reported).
    figures: list[dict] | None = None
    group_waits: dict[str, int] = field(default_factory=dict)


@dataclass
class DemoPlan:
    """Everything the loader writes, as plain values."""

    providers: list[PlannedProvider]
    locations: list[PlannedLocation]
    contracts: list[PlannedContract]
    offerings: list[PlannedOffering]
    sessions: list[list[Session]]  # per provider
    anomalies: dict[str, list[int]] = field(default_factory=dict)  # kind -> offering indexes
    feedback: list[PlannedFeedback] = field(default_factory=list)
    searches: list[PlannedSearch] = field(default_factory=list)


def _slug(name: str) -> str:
    """A host-name-safe version of a provider name, for its fictional web and e-mail domain."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " en ").replace("stichting ", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _is_real_organisation(name: str) -> bool:
    """True when a name contains a real organisation's name as whole words."""
    return any(re.search(rf"\b{re.escape(real)}\b", name, re.IGNORECASE) for real in provider_parts.REAL_ORGANISATIONS)


def _phone(rng: random.Random, area: str, used: set[str]) -> str:
    """A well-formed Dutch number whose subscriber part starts with 0, which no real line has."""
    while True:
        digits = "".join(str(rng.randrange(10)) for _ in range(9 - len(area)))
        number = f"{area}-0{digits}"
        if number not in used:
            used.add(number)
            return number


def _provider_names(rng: random.Random) -> list[tuple[str, str]]:
    """(name, kind) for every provider: the named demo providers first in their kind, then invented ones."""
    named = {kind: [] for kind in provider_parts.KINDS}
    for name, kind, _profile in provider_parts.NAMED_PROVIDERS:
        named[kind].append(name)
    used_names = {name for name, _k, _p in provider_parts.NAMED_PROVIDERS}
    core_use: dict[str, int] = {}
    for name in used_names:
        for core in provider_parts.NAME_CORES:
            if core in name:
                core_use[core] = core_use.get(core, 0) + 1
    out: list[tuple[str, str]] = []
    for kind, count in provider_parts.KINDS.items():
        out.extend((name, kind) for name in named[kind])
        templates = provider_parts.NAME_TEMPLATES[kind]
        while sum(1 for _n, k in out if k == kind) < count:
            core = rng.choice(provider_parts.NAME_CORES)
            name = rng.choice(templates).format(core=core)
            if name in used_names or core_use.get(core, 0) >= 3 or _is_real_organisation(name):
                continue
            used_names.add(name)
            core_use[core] = core_use.get(core, 0) + 1
            out.append((name, kind))
    return out


def _postcode(rng: random.Random, pc4s: tuple[str, ...]) -> str:
    """A full postcode in one of the woonplaats' PC4 areas (letters as PostNL uses them)."""
    while True:
        letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
        if letters not in ("SA", "SD", "SS"):
            return f"{rng.choice(pc4s)} {letters}"


def _plan_locations(rng: random.Random, provider_list: list[tuple[str, str]]) -> list[PlannedLocation]:
    """1-3 locations per provider, jittered around their woonplaats so no two coincide."""
    woonplaatsen = {w[0]: w for w in places.WOONPLAATSEN}
    town_names = [w for w, _ in places.TOWN_WEIGHTS]
    town_weights = [x for _, x in places.TOWN_WEIGHTS]
    village_names = [w for w, _ in places.VILLAGE_WEIGHTS]
    village_weights = [x for _, x in places.VILLAGE_WEIGHTS]
    taken: set[tuple[float, float]] = set()
    out: list[PlannedLocation] = []
    free_homes = list(provider_parts.HOME_NAMES)
    rng.shuffle(free_homes)
    for index, (name, kind) in enumerate(provider_list):
        low, high = provider_parts.LOCATIONS_PER_KIND[kind]
        count = rng.randint(low, high)
        if kind == "gezinshuis" and name.startswith("Gezinshuis "):
            count = 1  # a single gezinshuis, not an organisation of several
        homes = [free_homes.pop() for _ in range(count)] if kind == "gezinshuis" else []
        names: set[str] = set()
        for n in range(count):
            if kind in provider_parts.VILLAGE_KINDS:
                wp_name = rng.choices(village_names, village_weights)[0]
            else:
                wp_name = rng.choices(town_names, town_weights)[0]
            wp_name, cbs, lat, lon, pc4s = woonplaatsen[wp_name]
            street = f"{rng.choice(places.STREETS)} {rng.randint(1, 180)}"
            if kind == "gezinshuis":
                label = f"Gezinshuis {homes[n]}"
            elif kind == "pleegzorg":
                label = f"Regiokantoor {wp_name}"
            else:
                label = f"Locatie {wp_name}"
            if label in names:
                label = f"{label} ({street.rsplit(' ', 1)[0]})"
            names.add(label)
            spread = 1.8 if wp_name in ("Eindhoven", "Helmond") else 1.0
            while True:
                jlat = round(lat + rng.uniform(-0.012, 0.012) * spread, 5)
                jlon = round(lon + rng.uniform(-0.018, 0.018) * spread, 5)
                if (jlat, jlon) not in taken:
                    taken.add((jlat, jlon))
                    break
            out.append(PlannedLocation(index, label, street, _postcode(rng, pc4s), wp_name, cbs, jlat, jlon))
    return out


def _plan_contracts(rng: random.Random, provider_list: list[tuple[str, str]], fixed_profiles: dict[int, str]) -> dict[str, list[int]]:
    """Which providers hold a contract for each product, by kind, as the catalogue prescribes."""
    by_kind: dict[str, list[int]] = {}
    for index, (_name, kind) in enumerate(provider_list):
        by_kind.setdefault(kind, []).append(index)
    holders: dict[str, list[int]] = {}
    for spec in catalogue.PRODUCTS:
        chosen: list[int] = []
        for kind, count in spec.contracts.items():
            candidates = by_kind[kind]
            if spec.segment == 5:  # crisis providers must keep their status fresh
                candidates = [i for i in candidates if fixed_profiles.get(i, "trouw") == "trouw"]
            chosen.extend(rng.sample(candidates, min(count, len(candidates))))
        holders[spec.code] = sorted(chosen)
    covered = {i for ids in holders.values() for i in ids}
    for index, (_name, kind) in enumerate(provider_list):
        if index not in covered:
            code = catalogue.FALLBACK_PRODUCT[kind]
            holders[code] = sorted(set(holders[code]) | {index})
    return holders


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _walk(rng: random.Random, spec: catalogue.ProductSpec, capacity: int, months: int) -> list[dict]:
    """The figures of one offering month by month: a drifting wait, intake stops, consistent free places."""
    low, high = spec.waiting
    span = max(1, high - low)
    crisis = spec.segment == 5
    wait = low + span * rng.triangular(0, 1, 0.3)
    roll = rng.random()
    status = "open" if crisis or roll < 0.85 else ("overleg" if roll < 0.95 else "gesloten")
    notes = OPEN_NOTES.get(spec.form, OPEN_NOTES["stay"])
    open_note = rng.choice(notes) if rng.random() < 0.4 else ""
    note = rng.choice(STOP_NOTES) if status == "gesloten" else rng.choice(CONSULT_NOTES) if status == "overleg" else open_note
    states: list[dict] = []
    for month in range(months + 1):
        if month:
            wait += spec.drift + rng.gauss(0, max(0.5, span * 0.07))
            if span >= 20 and rng.random() < 0.03:  # now and then a jump of many weeks
                wait += rng.choice((-1, 1)) * rng.uniform(12, 20)
            wait = _clamp(wait, low, high)
            if rng.random() < 0.05:
                capacity = max(1, capacity + rng.choice((-2, -1, 1, 2)))
            if not crisis:
                roll = rng.random()
                previous = status
                if status == "open":
                    status = "gesloten" if roll < 0.025 else "overleg" if roll < 0.06 else "open"
                elif roll < 0.3:
                    status = "open"
                if status != previous:
                    note = rng.choice(STOP_NOTES) if status == "gesloten" else rng.choice(CONSULT_NOTES) if status == "overleg" else open_note
        if crisis:
            weeks = 0 if rng.random() < 0.75 else 1
            free = rng.randint(1, max(1, capacity // 2)) if weeks == 0 else 0
        else:
            weeks = int(round(wait))
            if status == "gesloten":
                weeks = int(_clamp(max(weeks, low + 1, 1), low, high))
                free = 0
            elif weeks <= 1:
                free = rng.randint(1, max(1, capacity // 4))
            elif weeks <= 4:
                free = 1 if rng.random() < 0.3 else 0
            else:
                free = 0
        states.append({
            "capacity": capacity,
            "free_places": min(free, capacity),
            "waiting_weeks": weeks,
            "intake_status": status,
            "note": note,
        })
    return states


def _plan_sessions(rng: random.Random, profile: str) -> list[Session]:
    """When a provider with this behaviour looked at its figures in each of the past months."""
    confirm_run = rng.randint(6, 9) if profile == "alleen_bevestigen" else 0
    last_active = HISTORY_MONTHS - rng.randint(1, 4) if profile == "achterstand" else HISTORY_MONTHS
    out: list[Session] = []
    for month in range(1, HISTORY_MONTHS + 1):
        u_act, u_day, u_time, u_kind, u_via, u_author = (rng.random() for _ in range(6))
        if profile == "trouw":
            act, confirm = True, u_kind < 0.25
            u_day = u_day**2  # the diligent ones update early in the month
        elif profile == "onregelmatig":  # better over the year: the region's reminders work
            act, confirm = u_act < 0.3 + 0.5 * month / HISTORY_MONTHS or month == HISTORY_MONTHS, u_kind < 0.2
        elif profile == "alleen_bevestigen":
            act, confirm = True, month > HISTORY_MONTHS - confirm_run or u_kind < 0.2
        elif profile == "achterstand":
            act, confirm = month <= last_active and u_act < 0.5 + 0.4 * month / HISTORY_MONTHS, u_kind < 0.25
        else:  # nooit
            act, confirm = False, False
        if act:
            kind = "confirm" if confirm else "update"
            via = "link" if u_via < (0.6 if confirm else 0.3) else "form"
            out.append(Session(month, u_day, u_time, kind, via, int(u_author * 3)))
    return out


def plan_demo() -> DemoPlan:
    """Draw the whole demo from the fixed seed; the result does not depend on any date."""
    rng = random.Random(SEED)
    provider_list = _provider_names(rng)
    named_profiles = {name: profile for name, _kind, profile in provider_parts.NAMED_PROVIDERS}
    fixed_profiles = {i: named_profiles[name] for i, (name, _k) in enumerate(provider_list) if name in named_profiles}
    locations = _plan_locations(rng, provider_list)
    holders = _plan_contracts(rng, provider_list, fixed_profiles)
    specs = {spec.code: spec for spec in catalogue.PRODUCTS}

    # Profiles: crisis providers and the named ones are fixed, the rest is dealt out.
    crisis_holders = {i for spec in catalogue.PRODUCTS if spec.segment == 5 for i in holders[spec.code]}
    profiles = {i: "trouw" for i in crisis_holders} | fixed_profiles
    free_indexes = [i for i in range(len(provider_list)) if i not in profiles]
    rng.shuffle(free_indexes)
    position = 0
    for profile, count in PROFILE_COUNTS.items():
        count -= sum(1 for p in fixed_profiles.values() if p == profile)
        for i in free_indexes[position:position + count]:
            profiles[i] = profile
        position += count
    for i in free_indexes[position:]:
        profiles[i] = "trouw"

    # Providers with their contact details.
    used_phones: set[str] = set()
    first_location = {}
    for loc in locations:
        first_location.setdefault(loc.provider, loc)
    plan_providers: list[PlannedProvider] = []
    for index, (name, kind) in enumerate(provider_list):
        slug = _slug(name)
        area = places.AREA_CODES[first_location[index].cbs_code]
        intake = rng.choice(("intake", "aanmelden", "info"))
        plan_providers.append(PlannedProvider(
            name=name,
            kind=kind,
            profile=profiles[index],
            slug=slug,
            intake_email=f"{intake}@{slug}.example",
            intake_phone=_phone(rng, area, used_phones),
            website=f"https://www.{slug}.example",
            staff=(f"planning@{slug}.example", f"secretariaat@{slug}.example", f"intake@{slug}.example"),
            crisis_phone=_phone(rng, "088", used_phones) if index in crisis_holders else None,
        ))

    # Contracts: most since the 2023 contract round, a fifth of the providers since 2025, a few ended.
    newcomers = set(rng.sample(range(len(provider_list)), len(provider_list) // 5))
    contracts: list[PlannedContract] = []
    held: dict[int, set[str]] = {}
    for spec in catalogue.PRODUCTS:
        for i in holders[spec.code]:
            start = CONTRACT_START_NEW if i in newcomers else CONTRACT_START
            contracts.append(PlannedContract(i, spec.code, start))
            held.setdefault(i, set()).add(spec.code)
    ended_codes = [s.code for s in catalogue.PRODUCTS if s.segment in (1, 3, 4)]
    for i in sorted(rng.sample(sorted(set(range(len(provider_list))) - newcomers), 6)):
        code = rng.choice([c for c in ended_codes if c not in held[i]])
        contracts.append(PlannedContract(i, code, CONTRACT_START, ENDED_CONTRACT_UNTIL))

    # Offerings: each active contract at one or more of the provider's locations.
    locations_of: dict[int, list[int]] = {}
    for li, loc in enumerate(locations):
        locations_of.setdefault(loc.provider, []).append(li)
    offerings: list[PlannedOffering] = []
    for contract in contracts:
        if contract.valid_until is not None:
            continue
        spec = specs[contract.code]
        kind = provider_list[contract.provider][1]
        own = locations_of[contract.provider]
        if spec.at_every_location and kind == "gezinshuis":
            chosen = own
        elif spec.form == "ambulant" or spec.code in ("43A09", "46A05", "46A01"):
            chosen = own if len(own) > 1 and rng.random() < 0.35 and spec.code != "43A09" else own[:1]
        else:
            chosen = [rng.choice(own)]
            if len(own) > 1 and rng.random() < 0.25:
                chosen = sorted(set(chosen) | {rng.choice(own)})
        for li in chosen:
            capacity = rng.randint(*spec.capacity)
            age_min, age_max = rng.choice(spec.ages)
            groups = set(rng.sample(spec.groups, rng.randint(1, min(4, len(spec.groups))))) if spec.groups else set()
            if spec.segment == 5:
                groups.add("SPOED")
            if spec.code == "43A12":
                groups.add("GESLOTEN")
            offering = PlannedOffering(
                provider=contract.provider, location=li, code=spec.code, age_min=age_min, age_max=age_max,
                groups=tuple(sorted(groups)), states=_walk(rng, spec, capacity, HISTORY_MONTHS), creation_u=rng.random(),
            )
            if spec.segment == 5:
                offering.late_states = _walk(rng, spec, capacity, HISTORY_MONTHS)
            offerings.append(offering)

    sessions = [_plan_sessions(rng, p.profile) for p in plan_providers]
    plan = DemoPlan(plan_providers, locations, contracts, offerings, sessions)
    _plant_figures(rng, plan, specs)
    plan_practice(random.Random(SEED + 15), plan, specs)
    return plan


def _last_update_month(plan: DemoPlan, index: int) -> int:
    """The month whose figures an offering shows now: its provider's last real save (0 = creation)."""
    offering = plan.offerings[index]
    months = [s.month for s in plan.sessions[offering.provider] if s.kind == "update"]
    return max(months, default=0)


def _plant_figures(rng: random.Random, plan: DemoPlan, specs: dict) -> None:
    """Make the current figures tell the region's story: published segment-2 ranges, doubtful values, jumps."""
    by_code: dict[str, list[int]] = {}
    for i, offering in enumerate(plan.offerings):
        by_code.setdefault(offering.code, []).append(i)
    diligent = {i for i, p in enumerate(plan.providers) if p.profile == "trouw"}

    def current(i: int) -> dict:
        return plan.offerings[i].states[_last_update_month(plan, i)]

    # "0 weken wachttijd is niet het geluid uit de praktijk": 0 weeks while nothing is free.
    doubtful: list[int] = []
    for code, wanted in (("43A14", 1), ("45A04", 2), ("45A53", 1), ("41A18", 1)):
        pool = [i for i in by_code[code] if plan.offerings[i].provider in diligent] or by_code[code]
        for i in rng.sample(pool, wanted):
            current(i).update(waiting_weeks=0, free_places=0, intake_status="open")
            doubtful.append(i)

    # Segment 2: current waiting times span exactly the published ranges.
    pinned: set[int] = set(doubtful)
    for code, (_count, (low, high)) in catalogue.SEGMENT2_FIGURES.items():
        ids = sorted(by_code[code], key=lambda i: (current(i)["waiting_weeks"], i))
        lowest = next((i for i in ids if i in doubtful), ids[0]) if low == 0 else ids[0]
        highest = ids[-1] if ids[-1] != lowest else ids[-2]
        state = current(lowest)
        state["waiting_weeks"] = low
        if low > 0 and state["intake_status"] != "gesloten":
            state["free_places"] = min(state["capacity"], 1) if low <= 1 else 0
        current(highest).update(waiting_weeks=high, free_places=0)
        pinned |= {lowest, highest}

    # A jump of many weeks at this month's save, confirmed by the provider as correct.
    jumps: list[int] = []
    for code in ("43A10", "54A02", "43A07"):
        pool = []
        for i in by_code[code]:
            offering = plan.offerings[i]
            updates = [s.month for s in plan.sessions[offering.provider] if s.kind == "update"]
            if offering.provider in diligent and HISTORY_MONTHS in updates and i not in pinned and len(updates) > 1:
                pool.append(i)
        if not pool:
            continue
        i = rng.choice(pool)
        offering = plan.offerings[i]
        low, high = specs[code].waiting
        updates = [s.month for s in plan.sessions[offering.provider] if s.kind == "update"]
        before = offering.states[updates[-2]]
        before["waiting_weeks"] = min(before["waiting_weeks"], high - 14)
        offering.states[HISTORY_MONTHS].update(
            waiting_weeks=min(high, before["waiting_weeks"] + rng.randint(14, 20)), free_places=0
        )
        offering.unusual_month = HISTORY_MONTHS
        jumps.append(i)
    plan.anomalies = {"zero_weeks_nothing_free": doubtful, "jump": jumps}


# --------------------------------------------------------------------------- figures practice checks
# Drawn from their own seed after everything else, so the figures above stay what they were.
