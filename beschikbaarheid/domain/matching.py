"""What a referrer means by a need ("43A10", "gezinshuiz", "ambulante hulp autisme", "segment 2").

Pure Python (rapidfuzz, no Flask). `match_need` turns the typed need into the set of catalogue
products it covers, each with a match strength for the fit part of the score (scoring.py):

1. a product code ("43A10", also "43A10 Gezinshuis" as offered by the datalist): that product, 1.0;
2. "segment 2" / "s2", or a segment chosen in the form: every product of that segment, 0.5;
3. a two-digit iJw category ("45", "categorie 45"): every product in it, 0.5;
4. free text: target-group words ("autisme" -> ASS) are taken out and suggested; the rest is
   compared with product names, families and keywords (rapidfuzz, typo- and space-tolerant: "pleeg
   zorg"). A product's *family* is its name before ':' without parentheses and without the
   variant words "regulier"/"specialistisch"/"fulltime"/"parttime" ("Logeren: outputgericht
   (licht)" -> "logeren"), so a national
   catalogue without keywords is found across its execution variants.
   - *named* (0.90..0.95, scoring.TIER_NAMED): the whole need, or a part of it without target-group
     words, nearly *is* the product's name, family or a keyword ("gezinshuiz", "pleegzorg" in
     "pleegzorg vakantie"). Variants of one family get the same strength; a closer spelling of
     the whole need and more of its words in the product (rarer words weigh more) rank higher;
   - *resembles* (0.60..0.85): the need is similar to part of a name or keyword ("pleegzorg" ~
     "Crisispleegzorg"), scaled by the share of the need's meaningful words the product contains,
     so "dagbehandeling autisme" does not find every product that mentions autism;
   - a form-of-care word ("ambulante", "verblijf", "crisis") adds every product of that form at
     0.5, so "ambulante hulp" finds all ambulant products; a form word that is also a product
     family ("logeren") names that family.
   The need then keeps to the forms of care it asks for: the forms of its strongest matches and
   its form word. Products of another form that merely resemble it are dropped, and crisis
   products (`is_crisis`) go to `Need.crisis`, shown apart, unless the need asks for crisis (a
   crisis word, "spoed", or a crisis product named).
Anything else raises `NeedNotFound` with the closest product names as suggestions.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from beschikbaarheid.domain.freshness import dutch
from beschikbaarheid.domain.scoring import (
    STRENGTH_BROAD,
    STRENGTH_CODE,
    STRENGTH_NAME_MAX,
    STRENGTH_NAME_MIN,
    STRENGTH_NAMED,
    STRENGTH_NAMED_MIN,
)

MAX_NEED_LENGTH = 120
ACCEPT_SCORE = 80.0
WITHIN_BEST = 10.0
MAX_SUGGESTIONS = 5
NAMED_SCORE = 88.0  # a need at least this close to a product's name, family or keyword names it
TYPO_SCORE = 85.0  # one word of the need at least this close to a word of the product is in it
# Words of a product name that say which variant of a family it is, not what it is.
VARIANT_WORDS = frozenset({"regulier", "specialistisch", "fulltime", "parttime"})

# Words that name a target group (codes as in models.core.TARGET_GROUPS); normalised, no accents.
TARGET_GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "ASS": ("autisme", "autistisch", "autistische", "ass", "asd"),
    "LVB": ("lvb", "licht verstandelijke beperking", "verstandelijke beperking", "verstandelijk beperkt"),
    "TRAUMA": ("trauma", "traumas", "getraumatiseerd", "ptss"),
    "EXTERNALISEREND": ("externaliserend", "agressie", "agressief", "gedragsproblemen"),
    "INTERNALISEREND": ("internaliserend", "zelfbeschadiging", "suicide", "suicidaal", "automutilatie"),
    "GGZ": ("ggz", "psychiatrie", "psychiatrisch", "psychiatrische"),
    "VERSLAVING": ("verslaving", "verslaafd", "middelengebruik", "drugs"),
    "SCHEIDING": ("complexe scheiding", "vechtscheiding", "scheiding"),
    "HUISELIJK_GEWELD": ("huiselijk geweld", "kindermishandeling", "mishandeling"),
    "18PLUS": ("18+", "18-/18+", "jongvolwassene", "jongvolwassenen"),
    "BROERS_ZUSSEN": ("broers en zussen", "broertjes en zusjes", "broers", "zussen"),
    "SPOED": ("spoed",),
    "KLEINSCHALIG": ("kleinschalig", "kleinschalige"),
    "GESLOTEN": ("gesloten", "jeugdzorgplus"),
}

# Words that name a form of care (values of models.core.FormOfCare).
FORM_WORDS: dict[str, tuple[str, ...]] = {
    "ambulant": ("ambulant", "ambulante", "thuis", "thuisbegeleiding"),
    "verblijf": ("verblijf", "residentieel", "residentiele", "opname", "behandelgroep"),
    "wonen": ("wonen", "woonvorm"),
    "deeltijd": ("deeltijd", "deeltijdverblijf", "logeren", "logeeropvang", "weekendopvang"),
    "dagbehandeling": ("dagbehandeling", "dagbesteding"),
    "crisis": ("crisis", "crisisopvang", "crisisplek"),
}

# Words too general to pick a product ("hulp" is in half the catalogue).
GENERIC_WORDS = frozenset({"hulp", "zorg", "jeugdhulp", "jeugdzorg", "ondersteuning"})

N_ = str  # marks a Dutch text for pybabel; `_` translates it where it is used
# How a need that names only a form of care is described ("alle ambulante hulp").
FORM_NEED_LABELS = {
    "ambulant": N_("ambulante hulp"),
    "verblijf": N_("verblijf"),
    "wonen": N_("woonvormen"),
    "deeltijd": N_("deeltijdverblijf en logeren"),
    "dagbehandeling": N_("dagbehandeling"),
    "crisis": N_("crisishulp"),
}

# Words that carry no meaning for the product match.
STOPWORDS = frozenset(
    "voor met bij en een de het van op in aan om te kind kinderen jongere jongeren meisje jongen "
    "zoek zoeken nodig graag plek plekken".split()
)

_CODE_RE = re.compile(r"^(\d{2}[a-z]\d{2,3})\b")
_SEGMENT_RE = re.compile(r"^(?:segment|seg|s)\s*([1-9])$")
_CATEGORY_RE = re.compile(r"^(?:categorie|cat)?\s*(\d{2})$")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower case, no accents, single spaces; keeps + and / (for "18+")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9+/]+", " ", plain).split())


@dataclass(frozen=True)
class CatalogueProduct:
    """What matching needs to know of a product."""

    id: int
    code: str
    name: str
    category: str
    segment: int
    form: str
    keywords: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Need:
    """The products a need covers, with the strength of each match (0..1)."""

    kind: str  # code | name | form | segment | category
    label: str  # Dutch, e.g. "43A10 Gezinshuis" or "segment 2 (Wonen)"
    strengths: dict[int, float]
    preferred_groups: frozenset[str] = frozenset()
    corrected: bool = False  # the typed text was not an exact product name
    product_kinds: dict[int, str] = field(default_factory=dict)  # per product: code|name|form|segment|category
    # Crisis products that resemble a need that does not ask for crisis: shown apart, never ranked
    # with the rest (`crisis_kinds` as `product_kinds`).
    crisis: dict[int, float] = field(default_factory=dict)
    crisis_kinds: dict[int, str] = field(default_factory=dict)

    @property
    def product_ids(self) -> frozenset[int]:
        return frozenset(self.strengths)


class NeedNotFound(ValueError):
    """The need matches no product; `message` is in the caller's language, `suggestions` are typeable needs."""

    def __init__(self, code: str, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code  # empty | invalid | unknown
        self.message = message
        self.suggestions = list(suggestions or [])


def split_keywords(raw: str | Iterable[str] | None) -> tuple[str, ...]:
    """Keywords as stored on a product ("a, b; c" or lines) -> a tuple of phrases."""
    if raw is None:
        return ()
    if not isinstance(raw, str):
        raw = ",".join(raw)
    return tuple(k.strip() for k in re.split(r"[,;|\n]", raw) if k.strip())


def extract_groups(text: str) -> tuple[frozenset[str], str]:
    """Target groups named in normalised `text`, and the text without those words."""
    found: set[str] = set()
    rest = f" {text} "
    phrases = sorted(((p, code) for code, ps in TARGET_GROUP_WORDS.items() for p in ps), key=lambda x: -len(x[0]))
    for phrase, code in phrases:
        needle = f" {phrase} "
        if needle in rest:
            found.add(code)
            rest = rest.replace(needle, " ")
    # Typos in longer single words ("autsime"): a close fuzzy match on one token is enough.
    words = rest.split()
    kept: list[str] = []
    singles = {p: code for code, ps in TARGET_GROUP_WORDS.items() for p in ps if " " not in p and len(p) >= 6}
    for word in words:
        if len(word) >= 6:
            hit = process.extractOne(word, list(singles), scorer=fuzz.ratio, score_cutoff=85)
            if hit:
                found.add(singles[hit[0]])
                continue
        kept.append(word)
    return frozenset(found), " ".join(kept)


def detect_form(text: str) -> str | None:
    """The form of care a text names, if any ("ambulante hulp" -> "ambulant")."""
    words = set(text.split())
    for form, terms in FORM_WORDS.items():
        if words & set(terms):
            return form
    return None


def _similarity(query: str, candidate: str) -> float:
    """0..100; tolerant of typos, word order and spaces ("pleeg zorg" ~ "pleegzorg")."""
    cand = normalise(candidate)
    if not cand:
        return 0.0
    scores = [
        fuzz.ratio(query, cand),
        fuzz.ratio(query.replace(" ", ""), cand.replace(" ", "")),
        fuzz.token_sort_ratio(query, cand),
    ]
    # Partial matches only for real words, so "zorg" alone does not match every "...zorg".
    if len(query) >= 6:
        scores.append(fuzz.partial_ratio(query, cand) * 0.95)
    return max(scores)


def _product_similarity(query: str, product: CatalogueProduct, seen: dict | None = None) -> float:
    """The best similarity of `query` with the product's name and keywords (`seen` caches per text)."""
    if seen is None:
        return max(_similarity(query, s) for s in (product.name, *product.keywords))
    best = 0.0
    for text in (product.name, *product.keywords):
        score = seen.get((query, text))
        if score is None:
            score = seen[(query, text)] = _similarity(query, text)
        best = max(best, score)
    return best


def family(name: str) -> str:
    """A product's family, normalised: its name before ':' without what is in parentheses and
    without the variant words "regulier"/"specialistisch"/"fulltime"/"parttime" ("Logeren:
    outputgericht (licht)" and "Logeren specialistisch: inspanningsgericht" -> "logeren";
    "Begeleiden pleegzorg fulltime: outputgericht" -> "begeleiden pleegzorg")."""
    head = re.sub(r"\([^)]*\)?", " ", name.split(":")[0])
    return " ".join(w for w in normalise(head).split() if w not in VARIANT_WORDS)


@lru_cache(maxsize=4096)
def _texts(product: CatalogueProduct) -> tuple[str, ...]:
    """What a referrer may type for a product, normalised: name, the name before ':' (without
    parentheses), family (also without general words: "Jeugdhulp crisis pleegzorg" -> "crisis
    pleegzorg") and keywords."""
    head = normalise(re.sub(r"\([^)]*\)?", " ", product.name.split(":")[0]))
    fam = family(product.name)
    specific = " ".join(w for w in fam.split() if w not in GENERIC_WORDS)
    if len(specific.split()) < 2:  # "Jeugdhulp ambulant" is not named by "ambulant" alone
        specific = fam
    return tuple(t for t in dict.fromkeys((normalise(product.name), head, fam, specific, *map(normalise, product.keywords))) if t)


@lru_cache(maxsize=4096)
def _tokens(product: CatalogueProduct) -> frozenset[str]:
    return frozenset(tok for t in _texts(product) for tok in t.split())


def _text_named_score(query: str, text: str) -> float:
    if len(query) < 5 or len(text) < 5:  # "pgo", "iag": short words only as they are
        return 100.0 if query == text or query.replace(" ", "") == text.replace(" ", "") else 0.0
    return max(fuzz.ratio(query, text), fuzz.ratio(query.replace(" ", ""), text.replace(" ", "")), fuzz.token_sort_ratio(query, text))


def _named_scores(phrases: Sequence[str], catalogue: Sequence[CatalogueProduct]) -> dict[int, float]:
    """Per product, 0..100: how nearly a phrase of the need *is* one of its texts (typo-, order-
    and space-tolerant, but no partial match: "pleegzorg" is not "crisispleegzorg"). Variants share
    texts, so each distinct text is compared once."""
    seen: dict[str, float] = {}
    scores = {}
    for product in catalogue:
        best = 0.0
        for text in _texts(product):
            score = seen.get(text)
            if score is None:
                score = seen[text] = max((_text_named_score(q, text) for q in phrases), default=0.0)
            best = max(best, score)
        scores[product.id] = best
    return scores


def _covers(word: str, token: str) -> bool:
    if word == token:
        return True
    if len(word) >= 4 and len(token) >= 4 and (word in token or token in word):
        return True  # compounds: "pleeg" in "pleegzorg", "zwaar" in "middelzwaar"
    return len(word) >= 5 and fuzz.ratio(word, token) >= TYPO_SCORE


def _coverages(meaningful: Sequence[str], whole: str, catalogue: Sequence[CatalogueProduct]) -> dict[int, float]:
    """Per product, the share of the need's meaningful words its texts contain (1 when there are
    none). A word few products contain weighs more ("dyslexie onderzoek": dyslexie is the point)."""
    if not meaningful:
        return {p.id: 1.0 for p in catalogue}
    joined = whole.replace(" ", "")
    vocabulary = {tok for p in catalogue for tok in _tokens(p)}
    hits = {w: {tok for tok in vocabulary if _covers(w, tok)} for w in set(meaningful)}
    covered: dict[int, set[str]] = {}
    for product in catalogue:
        if joined in {t.replace(" ", "") for t in _texts(product)}:
            covered[product.id] = set(meaningful)
        else:
            tokens = _tokens(product)
            covered[product.id] = {w for w in meaningful if not hits[w].isdisjoint(tokens)}
    n = max(1, len(catalogue))
    weight = {w: 1.0 + math.log(n / (1 + sum(w in c for c in covered.values()))) for w in set(meaningful)}
    total = sum(weight[w] for w in meaningful)
    return {pid: sum(weight[w] for w in meaningful if w in c) / total for pid, c in covered.items()}


def _parts(words: Sequence[str]) -> list[str]:
    """The contiguous parts of a need of several words, longest first, without lone generic words."""
    parts = []
    for size in range(len(words) - 1, 0, -1):
        for start in range(len(words) - size + 1):
            part = words[start:start + size]
            if size > 1 or part[0] not in GENERIC_WORDS:
                parts.append(" ".join(part))
    return parts


def is_crisis(product: CatalogueProduct) -> bool:
    """Whether a product is crisis care (form crisis or iJw category 46): the one definition."""
    return product.form == "crisis" or product.category == "46"


def _keep_to_the_form_asked(
    strengths: dict[int, float], catalogue: Sequence[CatalogueProduct], form: str | None, groups: frozenset[str]
) -> tuple[dict[int, float], dict[int, float]]:
    """(main, crisis): a need keeps to the forms of care it asks for. Those are the forms of the
    products it names (the strongest matches) and the form word it contains; products of another
    form that merely resemble it are dropped. Crisis products are asked for only by a crisis word,
    "spoed" or by naming a crisis product; otherwise they go apart (`crisis`). When nothing but
    crisis products match, they are the need."""
    by_id = {p.id: p for p in catalogue}
    top = max(strengths.values())
    lead = [by_id[pid] for pid, s in strengths.items() if s >= top]
    asks_crisis = form == "crisis" or "SPOED" in groups or any(is_crisis(p) for p in lead)
    forms = {p.form for p in lead} | {form}
    main: dict[int, float] = {}
    crisis: dict[int, float] = {}
    for pid, s in strengths.items():
        product = by_id[pid]
        if is_crisis(product) and not asks_crisis:
            crisis[pid] = s
        elif product.form in forms or (asks_crisis and is_crisis(product)):
            main[pid] = s
    if not main:
        return crisis, {}
    return main, crisis


def named_strength(named_score: float, coverage: float) -> float:
    """The strength of a product the need names (see scoring.STRENGTH_NAMED): variants of one
    family get the same; a closer spelling of the whole need (0 when only a part of it names the
    product) and more of the need's words in the product rank higher."""
    closeness = max(0.0, min(100.0, named_score) - NAMED_SCORE) / (100.0 - NAMED_SCORE)
    return STRENGTH_NAMED_MIN + (STRENGTH_NAMED - STRENGTH_NAMED_MIN) * (0.5 * closeness + 0.5 * coverage)


def _suggestions(query: str, catalogue: Sequence[CatalogueProduct]) -> list[str]:
    """The closest product labels, best first."""
    if not catalogue:
        return []
    scored = sorted(catalogue, key=lambda p: (-_product_similarity(query, p), p.code))
    return [p.label for p in scored[:MAX_SUGGESTIONS]]


def match_need(
    query: str,
    catalogue: Sequence[CatalogueProduct],
    *,
    segment: int | None = None,
    segment_labels: dict[int, str] | None = None,
    category_labels: dict[str, str] | None = None,
    _=dutch,
) -> Need:
    """The products meant by `query` (or by `segment` when no text is given); messages and labels
    are Dutch unless `_` (a gettext-like callable) translates them."""
    segment_labels = segment_labels or {}
    category_labels = category_labels or {}
    raw = " ".join(str(query or "").split())
    if len(raw) > MAX_NEED_LENGTH:
        raise NeedNotFound("invalid", _("De hulpvraag is te lang (maximaal %(n)d tekens). Noem het product, geen casus.", n=MAX_NEED_LENGTH))
    text = normalise(raw)
    if not text:
        if segment is not None:
            text = f"segment {segment}"
        else:
            raise NeedNotFound("empty", _("Vul een hulpvraag in: een product, productcode of segment."))

    by_code = {p.code.casefold(): p for p in catalogue}
    m = _CODE_RE.match(text)
    if m:
        product = by_code.get(m.group(1))
        if product:
            return Need("code", product.label, {product.id: STRENGTH_CODE}, product_kinds={product.id: "code"})
        same_category = [p.label for p in catalogue if p.category == m.group(1)[:2]][:MAX_SUGGESTIONS]
        raise NeedNotFound(
            "unknown",
            _("Productcode '%(code)s' komt niet voor in de productcatalogus van de regio.", code=m.group(1).upper()),
            same_category or _suggestions(text, catalogue),
        )

    m = _SEGMENT_RE.match(text)
    if m:
        number = int(m.group(1))
        products = [p for p in catalogue if p.segment == number]
        if not products:
            raise NeedNotFound("unknown", _("Segment %(n)d bestaat niet in deze regio.", n=number),
                               [f"segment {n}" for n in sorted({p.segment for p in catalogue})])
        label = _("segment %(n)d (%(label)s)", n=number, label=segment_labels.get(number, number))
        return Need("segment", label, {p.id: STRENGTH_BROAD for p in products}, product_kinds={p.id: "segment" for p in products})

    m = _CATEGORY_RE.match(text)
    if m:
        category = m.group(1)
        products = [p for p in catalogue if p.category == category]
        if not products:
            raise NeedNotFound(
                "unknown",
                _("Er zijn geen producten in categorie %(category)s in deze regio.", category=category),
                [f"categorie {c}" for c in sorted({p.category for p in catalogue})][:MAX_SUGGESTIONS],
            )
        label = _("categorie %(category)s (%(label)s)", category=category, label=category_labels.get(category, category))
        return Need("category", label, {p.id: STRENGTH_BROAD for p in products}, product_kinds={p.id: "category" for p in products})

    groups, rest = extract_groups(text)
    form = detect_form(rest)
    words = [w for w in rest.split() if w not in STOPWORDS]
    rest = " ".join(words)
    # Product names may contain a target-group word ("Jeugd-GGZ basis"): compare the text with and
    # without those words and keep the better score.
    whole = " ".join(w for w in text.split() if w not in STOPWORDS)
    variants = [v for v in dict.fromkeys((rest, whole)) if v]
    # Every meaningful word counts, target-group words too ("dagbehandeling autisme").
    meaningful = [w for w in whole.split() if w not in GENERIC_WORDS]

    strengths: dict[int, float] = {}
    kinds: dict[int, str] = {}
    form_terms = set(FORM_WORDS.get(form or "", ()))
    specific = [w for w in words if w not in form_terms and w not in GENERIC_WORDS]
    # A product is named by the whole need or by a part of it without target-group words
    # ("pleegzorg" in "pleegzorg vakantie"); how much of the rest it contains decides among those.
    # "spoed" asks for crisis care: "spoed pleegzorg" names "crisis pleegzorg".
    urgent = [f" {v} ".replace(" spoed ", " crisis ").strip() for v in (whole, normalise(raw)) if "spoed" in v.split()]
    by_whole = _named_scores(list(dict.fromkeys([*variants, normalise(raw), *urgent])), catalogue)
    all_forms = {t for terms in FORM_WORDS.values() for t in terms}
    parts = [p for p in _parts(words) if not set(p.split()) <= all_forms]  # a form word alone names no product
    by_part = _named_scores(parts, catalogue) if len(words) > 1 else {}
    named = {pid: w for pid, w in by_whole.items() if w >= NAMED_SCORE}
    named |= {pid: 0.0 for pid, w in by_part.items() if w >= NAMED_SCORE and pid not in named}  # closeness 0
    # "ambulante hulp" names a form of care, not one product: match the whole form, unless the text
    # names a product ("logeren" is a form word and, on the national list, a product family).
    if variants and (specific or named or not form):
        coverage = _coverages(meaningful, whole, catalogue)
        for product in catalogue:
            if product.id in named:
                strengths[product.id] = named_strength(named[product.id], coverage[product.id])
                kinds[product.id] = "name"
        seen: dict = {}
        scored = [(p, max(_product_similarity(v, p, seen) for v in variants) * (0.5 + 0.5 * coverage[p.id])) for p in catalogue]
        best = max((s for _, s in scored), default=0.0)
        if best >= ACCEPT_SCORE:
            floor = max(ACCEPT_SCORE, best - WITHIN_BEST)
            span = 100.0 - ACCEPT_SCORE
            for product, s in scored:
                if s >= floor and product.id not in strengths:
                    strengths[product.id] = STRENGTH_NAME_MIN + (STRENGTH_NAME_MAX - STRENGTH_NAME_MIN) * (s - ACCEPT_SCORE) / span
                    kinds[product.id] = "name"
    if form:
        for product in catalogue:
            if product.form == form and product.id not in strengths:
                strengths[product.id] = STRENGTH_BROAD
                kinds[product.id] = "form"

    if not strengths:
        if not rest and groups:
            message = _("Welke hulp zoekt u? Noem ook een product of vorm van hulp, bijvoorbeeld 'ambulante hulp' of 'gezinshuis'.")
        else:
            message = _("We herkennen de hulpvraag '%(need)s' niet. Kies een product uit de lijst of typ een productcode.", need=raw)
        raise NeedNotFound("unknown", message, _suggestions(rest or text, catalogue))

    strengths, crisis = _keep_to_the_form_asked(strengths, catalogue, form, groups)
    crisis_kinds = {pid: kinds[pid] for pid in crisis}
    kinds = {pid: kinds[pid] for pid in strengths}
    exact = any(w >= 100.0 for w in named.values())
    named = [p for p in catalogue if kinds.get(p.id) == "name"]
    form_text = _(FORM_NEED_LABELS[form]) if form in FORM_NEED_LABELS else (form or "")
    if named:
        top = max(named, key=lambda p: (strengths[p.id], -len(p.name), p.code))
        label = top.name if len(named) == 1 else _("%(name)s en %(n)d vergelijkbare", name=top.name, n=len(named) - 1)
        if form and len(strengths) > len(named):
            label = _("%(label)s (en alle %(form)s)", label=label, form=form_text)
        kind = "name"
    else:
        label = _("alle %(form)s", form=form_text)
        kind = "form"
    return Need(kind, label, strengths, preferred_groups=groups, corrected=not exact, product_kinds=kinds,
                crisis=crisis, crisis_kinds=crisis_kinds)
