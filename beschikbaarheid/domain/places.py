"""Place resolution (PC4, woonplaats, gemeente) in pure Python.

One place resolves a location: every search box, import and API call goes through `PlaceIndex`.
The service layer (`beschikbaarheid.places`) builds the index from the database and caches it;
the GeoNames file that fills those tables is parsed in `domain.geonames`.
"""
from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from beschikbaarheid.domain.freshness import dutch

MAX_QUERY_LENGTH = 100
# Typo tolerance. Candidates are found with fuzz.ratio (0-100) on normalized names; a candidate
# scoring below SUGGEST_SCORE is not even suggested ("Ede"/"Epe" score 67, so they are offered).
# A typo is corrected silently only when the best candidate is within max_typos() edits (insert,
# delete, replace, or swap two neighbouring letters: "Hemond", "Gemret", "Eindhovn") AND every other
# candidate needs at least TYPO_MARGIN more edits; otherwise we ask instead of guessing.
TYPO_MARGIN = 1
SUGGEST_SCORE = 60.0
MAX_SUGGESTIONS = 5

# Common names that are not the official spelling. Keys and values are normalized.
ALIASES: dict[str, str] = {
    "den bosch": "s hertogenbosch",
    "hertogenbosch": "s hertogenbosch",
    "s gravenhage": "den haag",
    "the hague": "den haag",
    "den haag": "s gravenhage",
}

KIND_ORDER = {"woonplaats": 0, "gemeente": 1, "pc4": 2}

_PC4_RE = re.compile(r"^(?P<pc4>\d{4})(?:\s*(?P<letters>[A-Za-z]{2}))?(?:\s+(?P<rest>.+))?$")
_QUALIFIED_RE = re.compile(
    r"^(?P<name>.+?)\s*\(\s*gem(?:eente|\.)?\s+(?P<muni>[^,()]+?)\s*(?:,\s*(?P<cbs>\d{4})\s*)?\)\s*$",
    re.IGNORECASE,
)
_PAREN_SUFFIX_RE = re.compile(r"^(?P<base>.+?)\s*\([^()]*\)\s*$")
_GEMEENTE_PREFIX_RE = re.compile(r"^gemeente\s+(?P<name>.+)$")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Comparable form of a name: case-, accent-, punctuation- and space-insensitive."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NON_ALNUM_RE.sub(" ", plain).strip()


@dataclass(frozen=True)
class PlaceRecord:
    """One resolvable thing as delivered by the database (or a test)."""

    kind: str  # 'pc4' | 'woonplaats' | 'gemeente'
    name: str  # '5701', 'Helmond', 'Gemert-Bakel'
    lat: float
    lon: float
    municipality: str | None  # municipality name
    cbs_code: str | None  # e.g. '0794'
    # Only for kind 'pc4': the woonplaats of that postcode, so the label can read '5701 Helmond'.
    woonplaats: str | None = None


@dataclass(frozen=True)
class Resolved:
    """The answer of the resolver: a coordinate plus what to show the user."""

    label: str
    lat: float
    lon: float
    kind: str
    municipality: str | None
    cbs_code: str | None
    pc4: str | None
    corrected_from: str | None


class PlaceNotFound(Exception):
    """The query did not lead to exactly one place.

    `reason` says why, `message` adds "Bedoelde u: A of B?" when there are `suggestions` (both in the
    language of the `_` given to `PlaceIndex.resolve`, Dutch by default).
    """

    def __init__(self, code: str, reason: str, suggestions: list[str] | None = None, _=dutch) -> None:
        self.code = code  # 'empty' | 'invalid' | 'unknown' | 'ambiguous'
        self.reason = reason
        self.suggestions = list(suggestions or [])
        self.message = reason
        if self.suggestions:
            self.message += " " + _("Bedoelde u: %(places)s?", places=_or_list(self.suggestions, _))
        super().__init__(self.message)


@dataclass
class _Place:
    """A named place after merging a woonplaats with its same-named gemeente."""

    kind: str
    name: str
    lat: float
    lon: float
    municipality: str | None
    cbs_code: str | None
    key: str
    muni_key: str
    label: str = ""
    size: int = 0  # number of PC4 areas: a cheap stand-in for population when ranking


    def resolved(self, corrected_from: str | None = None) -> Resolved:
        return Resolved(self.label, self.lat, self.lon, self.kind, self.municipality, self.cbs_code, None, corrected_from)


def max_typos(key: str) -> int:
    """How many edits we dare to correct: none in 1-3 letter names (Ede/Epe), 1 up to 7, else 2."""
    letters = len(key.replace(" ", ""))
    if letters <= 3:
        return 0
    return 1 if letters <= 7 else 2


def _or_list(items: list[str], _=dutch) -> str:
    """'A, B of C' for a sentence."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s of %(last)s", items=", ".join(items[:-1]), last=items[-1])


class PlaceIndex:
    """In-memory lookup of PC4s and place names; built once, then each resolve is microseconds."""

    def __init__(self, records: Iterable[PlaceRecord]) -> None:
        records = list(records)
        self._pc4: dict[str, tuple[PlaceRecord, str]] = {}
        self._places: list[_Place] = []
        self._by_key: dict[str, list[int]] = defaultdict(list)
        by_identity: dict[tuple[str, str], int] = {}

        # Woonplaatsen first, so a gemeente of the same name merges into its woonplaats (whose
        # coordinate is where people live, not the mean of a whole municipality).
        ordered = sorted(records, key=lambda r: KIND_ORDER.get(r.kind, 9))
        for rec in ordered:
            if rec.kind == "pc4":
                pc4 = rec.name.strip()
                if pc4 not in self._pc4:
                    town = rec.woonplaats or rec.municipality
                    self._pc4[pc4] = (rec, f"{pc4} {town}" if town else pc4)
                continue
            if rec.kind not in ("woonplaats", "gemeente") or not rec.name.strip():
                continue
            key = normalize(rec.name)
            if not key:
                continue
            municipality = rec.municipality if rec.kind == "woonplaats" else (rec.municipality or rec.name)
            muni_key = rec.cbs_code or normalize(municipality or "")
            identity = (key, muni_key)
            if identity in by_identity:
                continue  # same place twice (or gemeente merged into its woonplaats)
            if rec.kind == "gemeente":
                # The gemeente may also be known under its cbs code as muni_key of a woonplaats
                # that only carries a name; try that too.
                alt = (key, normalize(municipality or ""))
                if alt in by_identity:
                    continue
            place = _Place(rec.kind, rec.name.strip(), rec.lat, rec.lon, municipality, rec.cbs_code, key, muni_key)
            idx = len(self._places)
            self._places.append(place)
            by_identity[identity] = idx
            if rec.kind == "woonplaats" and rec.cbs_code and municipality:
                by_identity.setdefault((key, normalize(municipality)), idx)
            self._by_key[key].append(idx)

        # 'Hengelo (Gld)' is also found as 'Hengelo', which makes plain 'Hengelo' ambiguous on purpose.
        for idx, place in enumerate(self._places):
            m = _PAREN_SUFFIX_RE.match(place.name)
            if m:
                base = normalize(m.group("base"))
                if base and idx not in self._by_key[base]:
                    self._by_key[base].append(idx)
        for alias, target in ALIASES.items():
            if alias not in self._by_key and target in self._by_key:
                self._by_key[alias] = list(self._by_key[target])

        # Rank autocomplete by size, so 'den' offers Den Haag before Den Ilp.
        pc4_per_place: Counter = Counter()
        pc4_per_muni: Counter = Counter()
        for rec, _label in self._pc4.values():
            pc4_per_muni[rec.cbs_code or normalize(rec.municipality or "")] += 1
            if rec.woonplaats:
                pc4_per_place[(normalize(rec.woonplaats), rec.cbs_code or normalize(rec.municipality or ""))] += 1
        for place in self._places:
            counter, ident = (
                (pc4_per_muni, place.muni_key) if place.kind == "gemeente" else (pc4_per_place, (place.key, place.muni_key))
            )
            place.size = counter.get(ident, 0)

        self._assign_labels()
        self._by_label = {normalize(p.label): i for i, p in enumerate(self._places)}
        self._keys: list[str] = list(self._by_key)
        self._pc4_sorted: list[str] = sorted(self._pc4)
        # Every word start of every key, so autocomplete finds 'bosch' in "'s-Hertogenbosch".
        prefixes: list[tuple[str, int]] = []
        for key, idxs in self._by_key.items():
            words = key.split(" ")
            for i in range(len(words)):
                tail = " ".join(words[i:])
                prefixes.extend((tail, idx) for idx in idxs)
        prefixes.sort()
        self._prefix_keys = [p[0] for p in prefixes]
        self._prefix_places = [p[1] for p in prefixes]

    def _assign_labels(self) -> None:
        """Give every place a label that is unique, so typing a suggestion back resolves it."""
        for place in self._places:
            if len(self._by_key[place.key]) == 1:
                place.label = place.name
            else:
                place.label = f"{place.name} (gemeente {place.municipality})"
        counts = Counter(normalize(p.label) for p in self._places)
        for place in self._places:
            if counts[normalize(place.label)] > 1 and place.cbs_code:
                place.label = f"{place.name} (gemeente {place.municipality}, {place.cbs_code})"

    def __len__(self) -> int:
        return len(self._places) + len(self._pc4)

    # -- resolving ---------------------------------------------------------------------------

    def resolve(self, query: str, _=dutch) -> Resolved:
        """The single place meant by `query`, or PlaceNotFound with a message (Dutch unless `_`
        translates) and suggestions."""
        text = " ".join(str(query or "").split())
        if not text:
            raise PlaceNotFound("empty", _("Vul een postcode of plaatsnaam in."), _=_)
        if len(text) > MAX_QUERY_LENGTH:
            raise PlaceNotFound(
                "invalid", _("Dit is te lang voor een postcode of plaatsnaam (maximaal %(n)d tekens).", n=MAX_QUERY_LENGTH), _=_
            )
        key = normalize(text)
        if not key:
            raise PlaceNotFound("invalid", _("'%(text)s' is geen postcode of plaatsnaam. Typ bijvoorbeeld 5701 of Helmond.", text=text), _=_)

        m = _PC4_RE.match(text)
        if m:
            return self._resolve_pc4(m.group("pc4"), text, _)
        if key.replace(" ", "").isdigit():
            raise PlaceNotFound(
                "invalid", _("'%(text)s' is geen geldige postcode. Een postcode heeft vier cijfers, bijvoorbeeld 5701 of 5701 AB.", text=text), _=_
            )

        found = self._exact(text, key, _)
        if found is not None:
            return found
        return self._fuzzy(text, key, _)

    def _resolve_pc4(self, pc4: str, text: str, _) -> Resolved:
        """A postcode: the letters (and any place name after it) do not change the PC4 area."""
        if pc4.startswith("0"):
            raise PlaceNotFound("invalid", _("'%(text)s' is geen geldige postcode: een postcode begint niet met 0.", text=text), _=_)
        hit = self._pc4.get(pc4)
        if hit is None:
            raise PlaceNotFound("unknown", _("Onbekende postcode: '%(text)s'.", text=text), self._neighbour_pc4s(pc4), _=_)
        rec, label = hit
        return Resolved(label, rec.lat, rec.lon, "pc4", rec.municipality, rec.cbs_code, pc4, None)

    def _neighbour_pc4s(self, pc4: str, count: int = 4) -> list[str]:
        """Numerically nearest known PC4s; postcodes are handed out by area, so these lie close by."""
        pos = bisect.bisect_left(self._pc4_sorted, pc4)
        # Only within the same first two digits: 5611 Eindhoven is no neighbour of 5703 Helmond.
        window = [p for p in self._pc4_sorted[max(0, pos - count) : pos + count] if p[:2] == pc4[:2]]
        nearest = sorted(window, key=lambda p: (abs(int(p) - int(pc4)), p))[:count]
        return [self._pc4[p][1] for p in sorted(nearest)]

    def _exact(self, text: str, key: str, _) -> Resolved | None:
        """Exact (normalized) matches, including labels and 'X (gemeente Y)' / 'X, Y' forms."""
        idx = self._by_label.get(key)
        if idx is not None and len(self._by_key.get(key, ())) <= 1:
            return self._places[idx].resolved()
        candidates = self._by_key.get(key)
        if candidates:
            return self._one_or_ambiguous(text, candidates, _)
        if idx is not None:
            return self._places[idx].resolved()

        qualified = _QUALIFIED_RE.match(text)
        if qualified:
            name, muni, cbs = qualified.group("name", "muni", "cbs")
        elif "," in text:
            name, muni = (part.strip() for part in text.rsplit(",", 1))
            cbs = None
        else:
            name = muni = cbs = None
        if name and muni:
            hits = self._in_municipality(normalize(name), normalize(muni), cbs)
            if hits:
                return self._one_or_ambiguous(text, hits, _)

        gm = _GEMEENTE_PREFIX_RE.match(key)
        if gm:
            name_key = ALIASES.get(gm.group("name"), gm.group("name"))
            hits = [i for k in {gm.group("name"), name_key} for i in self._by_key.get(k, ())]
            munis = [i for i in dict.fromkeys(hits) if normalize(self._places[i].municipality or "") in (gm.group("name"), name_key)]
            if munis:
                return self._one_or_ambiguous(text, munis, _)
        return None

    def _in_municipality(self, name_key: str, muni_key: str, cbs: str | None) -> list[int]:
        """Places called `name_key` inside the municipality `muni_key` (and cbs code, if given)."""
        muni_keys = {muni_key, ALIASES.get(muni_key, muni_key)}
        hits = []
        for i in self._by_key.get(name_key, ()):
            place = self._places[i]
            if normalize(place.municipality or "") in muni_keys and (cbs is None or place.cbs_code == cbs):
                hits.append(i)
        return hits

    def _one_or_ambiguous(self, text: str, idxs: list[int], _, corrected: bool = False) -> Resolved:
        """Resolve a single candidate; several candidates become an 'ambiguous' error."""
        idxs = list(dict.fromkeys(idxs))
        if len(idxs) == 1:
            return self._places[idxs[0]].resolved(corrected_from=text if corrected else None)
        labels = sorted((self._places[i].label for i in idxs), key=str.casefold)
        raise PlaceNotFound("ambiguous", _("'%(text)s' komt op meerdere plaatsen voor.", text=text), labels, _=_)

    def _fuzzy(self, text: str, key: str, _) -> Resolved:
        """Correct a typo only when one name is clearly best; otherwise suggest the closest names."""
        matches = process.extract(key, self._keys, scorer=fuzz.ratio, limit=MAX_SUGGESTIONS + 1, score_cutoff=SUGGEST_SCORE)
        if matches:
            edits = sorted((OSA.distance(key, match_key), match_key) for match_key, _score, _index in matches)
            best_edits, best_key = edits[0]
            runner_up = edits[1][0] if len(edits) > 1 else math.inf
            if best_edits <= max_typos(key) and runner_up - best_edits >= TYPO_MARGIN:
                return self._one_or_ambiguous(text, self._by_key[best_key], _, corrected=True)
        suggestions: list[str] = []
        for match_key, _score, _index in matches:
            for i in self._by_key[match_key]:
                label = self._places[i].label
                if label not in suggestions:
                    suggestions.append(label)
        if len(suggestions) < MAX_SUGGESTIONS:
            for label in self.suggest(key, limit=MAX_SUGGESTIONS):
                if label not in suggestions:
                    suggestions.append(label)
        suggestions = suggestions[:MAX_SUGGESTIONS]
        reason = _("Onbekende plaats of postcode: '%(text)s'.", text=text)
        if not suggestions:
            reason += " " + _("Typ een postcode (bijvoorbeeld 5701) of een plaatsnaam.")
        raise PlaceNotFound("unknown", reason, suggestions, _=_)

    # -- autocomplete ------------------------------------------------------------------------

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Labels starting with `prefix` (or with a word in it), best first, for autocomplete."""
        text = " ".join(str(prefix or "").split())[:MAX_QUERY_LENGTH]
        if not text or limit <= 0:
            return []
        digits = re.match(r"^(\d{1,4})(?:\s*[A-Za-z]{0,2})?$", text)
        if digits:
            start = digits.group(1)
            pos = bisect.bisect_left(self._pc4_sorted, start)
            out = []
            for pc4 in self._pc4_sorted[pos:]:
                if not pc4.startswith(start) or len(out) >= limit:
                    break
                out.append(self._pc4[pc4][1])
            return out
        key = normalize(text)
        if not key:
            return []
        lo = bisect.bisect_left(self._prefix_keys, key)
        hi = bisect.bisect_right(self._prefix_keys, key + "\uffff")
        seen: dict[int, bool] = {}
        for j in range(lo, min(hi, lo + 500)):
            idx = self._prefix_places[j]
            whole = self._places[idx].key.startswith(key)
            seen[idx] = seen.get(idx, False) or whole
        ranked = sorted(
            seen,
            key=lambda i: (
                not seen[i],
                -self._places[i].size,
                len(self._places[i].name),
                self._places[i].label.casefold(),
            ),
        )
        return [self._places[i].label for i in ranked[:limit]]
