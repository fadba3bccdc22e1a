"""The demo region's product catalogue over all five segments, with the figures offerings get.

Codes follow the iJw pattern (first two digits = national category); like the real region, the
catalogue gives some codes a regional meaning (43A14 is Woongroep here, Observatie nationally) and
adds regional codes (43B99, 54Axx). Besides what a product *is*, each entry says how the demo
generates offerings for it: which provider kinds hold a contract and how many (`contracts`), the
waiting-time range in weeks, capacity, age ranges and target groups. Segment 2 follows the
region's published figures (peilmaand april 2023): contracted providers 5/10/6/5, waiting-time
ranges 2-12, 1-110, 0-40 and 1-40 weeks.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductSpec:
    """A catalogue product plus the parameters its demo offerings are drawn from."""

    code: str
    name: str
    segment: int
    form: str
    description: str
    keywords: str
    contracts: dict[str, int]  # provider kind -> number of providers of that kind contracted
    waiting: tuple[int, int]  # range of waiting weeks over the year
    capacity: tuple[int, int]
    ages: tuple[tuple[int, int], ...]
    groups: tuple[str, ...] = ()
    drift: float = 0.0  # trend in weeks per month (a rising wait for gezinshuizen, say)
    at_every_location: bool = False  # delivered at each location of the provider (gezinshuizen)

    @property
    def category(self) -> str:
        return self.code[:2]


PRODUCTS: tuple[ProductSpec, ...] = (
    # Segment 1: hoog specialistisch / weinig voorkomend
    ProductSpec(
        "43A07", "Intramurale behandeling", 1, "verblijf",
        "24-uursverblijf met behandeling in een behandelgroep, voor jeugdigen met zware en complexe problematiek.",
        "verblijf, behandelgroep, residentieel, opname, intramuraal, leefgroep, 24-uurs",
        {"instelling": 7, "lvb": 2}, (4, 26), (8, 24), ((6, 18), (12, 18), (12, 21)),
        ("GGZ", "EXTERNALISEREND", "INTERNALISEREND", "TRAUMA", "ASS", "LVB"), drift=0.2,
    ),
    ProductSpec(
        "43A12", "JeugdzorgPlus (gesloten verblijf)", 1, "verblijf",
        "Gesloten verblijf met behandeling, alleen met een machtiging gesloten jeugdhulp van de kinderrechter.",
        "gesloten jeugdzorg, jeugdzorgplus, machtiging, gesloten plaatsing, jeugdzorg plus",
        {"instelling": 2}, (2, 16), (8, 16), ((12, 18),),
        ("GESLOTEN", "EXTERNALISEREND", "VERSLAVING", "TRAUMA"),
    ),
    ProductSpec(
        "43A15", "Kleinschalig verblijf met behandeling", 1, "verblijf",
        "Verblijf in een kleine groep (maximaal zes jeugdigen) met behandeling, in een gewone wijk.",
        "kleinschalig wonen, kleine groep, behandelhuis, verblijf, residentieel",
        {"instelling": 5, "lvb": 2, "gezinshuis": 1}, (6, 40), (3, 6), ((6, 18), (12, 18), (12, 21)),
        ("KLEINSCHALIG", "TRAUMA", "ASS", "LVB", "INTERNALISEREND"), drift=0.3,
    ),
    ProductSpec(
        "43A44", "Behandelgroep LVB", 1, "verblijf",
        "Verblijf met orthopedagogische behandeling voor jeugdigen met een licht verstandelijke beperking.",
        "lvb, licht verstandelijke beperking, orthopedagogisch, behandelgroep, verblijf",
        {"lvb": 4}, (8, 52), (6, 12), ((6, 18), (12, 18)),
        ("LVB", "EXTERNALISEREND", "TRAUMA", "ASS"), drift=0.4,
    ),
    ProductSpec(
        "45A57", "Intensieve ambulante gezinsbehandeling", 1, "ambulant",
        "Intensieve behandeling thuis, meerdere keren per week, om uithuisplaatsing te voorkomen.",
        "intensieve ambulante hulp, thuisbehandeling, gezinsbehandeling, uithuisplaatsing voorkomen, iag, multisysteem",
        {"instelling": 6, "ggz": 3, "lvb": 1}, (2, 16), (6, 30), ((0, 18), (12, 18)),
        ("GGZ", "EXTERNALISEREND", "TRAUMA", "HUISELIJK_GEWELD", "SCHEIDING"),
    ),
    ProductSpec(
        "43B04", "Diagnostiek in verblijf (observatie)", 1, "verblijf",
        "Kortdurende opname voor observatie en diagnostiek als ambulant onderzoek niet volstaat.",
        "observatie, klinische diagnostiek, opname, onderzoek, diagnose",
        {"instelling": 3}, (4, 20), (4, 10), ((0, 12), (6, 18)),
        ("LVB", "ASS", "TRAUMA", "GGZ"),
    ),
    # Segment 2: wonen (figures from the region's Actieplan Segment 2)
    ProductSpec(
        "43A09", "Pleegzorg", 2, "wonen",
        "Wonen in een pleeggezin, voltijd of deeltijd, met begeleiding van pleegouders; kan doorlopen tot 21 jaar.",
        "pleeggezin, pleegouders, netwerkpleegzorg, bestandspleegzorg, voltijd pleegzorg, deeltijdpleegzorg, opvang in gezin",
        {"pleegzorg": 5}, (2, 12), (20, 80), ((0, 21),),
        ("BROERS_ZUSSEN", "TRAUMA", "LVB", "18PLUS", "HUISELIJK_GEWELD"),
    ),
    ProductSpec(
        "43A10", "Gezinshuis", 2, "wonen",
        "Wonen in het gezin van professionele gezinshuisouders, met begeleiding; kan doorlopen tot 21 jaar.",
        "gezinshuis, gezinshuisouders, wonen in een gezin, gezinsvervangend, gezinshuizen",
        {"gezinshuis": 8, "instelling": 2}, (1, 110), (3, 6), ((0, 21), (4, 21), (0, 18)),
        ("BROERS_ZUSSEN", "TRAUMA", "LVB", "ASS", "18PLUS", "KLEINSCHALIG"), drift=1.0, at_every_location=True,
    ),
    ProductSpec(
        "43A14", "Woongroep", 2, "wonen",
        "Wonen in een kleine woongroep met 24-uursbegeleiding, zonder behandeling (regionale betekenis van 43A14).",
        "woongroep, wonen met begeleiding, leefgroep, begeleid wonen, residentieel wonen",
        {"instelling": 5, "lvb": 1}, (0, 40), (6, 10), ((12, 18), (12, 21), (16, 21)),
        ("LVB", "EXTERNALISEREND", "18PLUS", "ASS", "KLEINSCHALIG"), drift=0.2,
    ),
    ProductSpec(
        "43B99", "Begeleiding naar zelfstandig wonen", 2, "wonen",
        "Kamertraining en begeleid wonen voor jongeren vanaf 16 jaar die zich voorbereiden op zelfstandigheid.",
        "kamertraining, zelfstandig wonen, begeleid wonen, 18-/18+, jongvolwassenen, verselfstandiging",
        {"instelling": 3, "lvb": 1, "pleegzorg": 1}, (1, 40), (4, 12), ((16, 21), (17, 21)),
        ("18PLUS", "LVB", "ASS"),
    ),
    # Segment 3: dagbehandeling en dagbesteding
    ProductSpec(
        "41A03", "Dagbehandeling regulier", 3, "dagbehandeling",
        "Behandeling in een groep overdag, vaak in combinatie met onderwijs.",
        "dagbehandeling, behandelgroep overdag, onderwijs-zorg, dagprogramma",
        {"instelling": 5, "dagbesteding": 4, "lvb": 2}, (2, 16), (8, 24), ((4, 12), (6, 18), (12, 18)),
        ("LVB", "ASS", "EXTERNALISEREND", "INTERNALISEREND"),
    ),
    ProductSpec(
        "41A04", "Dagbehandeling specialistisch", 3, "dagbehandeling",
        "Specialistische dagbehandeling bij psychiatrische problematiek, autisme of trauma.",
        "dagbehandeling ggz, psychiatrie, autisme, dagklinisch, deeltijdbehandeling",
        {"instelling": 5, "ggz": 3}, (4, 30), (8, 20), ((4, 12), (6, 18), (12, 18)),
        ("GGZ", "ASS", "TRAUMA", "INTERNALISEREND"), drift=0.2,
    ),
    ProductSpec(
        "41A14", "Dagbehandeling jonge kind", 3, "dagbehandeling",
        "Behandelgroep voor peuters en kleuters met een ontwikkelingsachterstand of gedragsproblemen.",
        "medisch kinderdagverblijf, mkd, peuter, kleuter, jonge kind, ontwikkelingsachterstand, behandelgroep",
        {"instelling": 3, "dagbesteding": 1}, (4, 20), (8, 16), ((0, 7), (2, 7)),
        ("ASS", "LVB", "GGZ"),
    ),
    ProductSpec(
        "41A18", "Dagbesteding", 3, "dagbehandeling",
        "Zinvolle dagbesteding voor jeugdigen die (tijdelijk) niet naar school kunnen, bijvoorbeeld op een zorgboerderij.",
        "dagbesteding, zorgboerderij, dagopvang, thuiszitter, activering, werkervaring",
        {"dagbesteding": 14, "lvb": 3}, (0, 12), (6, 20), ((6, 18), (12, 18), (16, 21)),
        ("LVB", "ASS", "18PLUS"),
    ),
    ProductSpec(
        "44A09", "Logeren (deeltijdverblijf)", 3, "deeltijd",
        "Kortdurend verblijf, bijvoorbeeld een weekend per maand, om ouders te ontlasten.",
        "logeren, logeeropvang, weekendopvang, respijtzorg, deeltijdverblijf, ontlasting ouders",
        {"dagbesteding": 6, "lvb": 3, "instelling": 2, "gezinshuis": 2}, (2, 26), (4, 12), ((4, 18), (6, 18), (0, 12)),
        ("LVB", "ASS", "BROERS_ZUSSEN"),
    ),
    # Segment 4: specialistisch / veel voorkomend
    ProductSpec(
        "45A04", "Ambulante jeugdhulp generalistisch", 4, "ambulant",
        "Begeleiding thuis of op locatie bij opvoed- en opgroeivragen.",
        "opvoedondersteuning, opvoedingsondersteuning, gezinsbegeleiding, ambulante begeleiding, opvoedvragen, gezinscoach, thuisbegeleiding",
        {"ambulant": 48, "instelling": 6, "ggz": 4}, (0, 8), (20, 120), ((0, 18), (4, 18), (12, 18), (0, 12)),
        ("SCHEIDING", "HUISELIJK_GEWELD", "LVB", "EXTERNALISEREND", "INTERNALISEREND"),
    ),
    ProductSpec(
        "45A05", "Ambulante jeugdhulp specialistisch", 4, "ambulant",
        "Specialistische ambulante behandeling van jeugdige en gezin, bijvoorbeeld bij gedragsproblemen.",
        "ambulante behandeling, gedragsproblemen, orthopedagoog, gedragstherapie, specialistische begeleiding",
        {"ambulant": 20, "instelling": 8, "ggz": 8, "lvb": 4}, (1, 14), (15, 80), ((0, 18), (4, 18), (12, 18)),
        ("EXTERNALISEREND", "INTERNALISEREND", "LVB", "ASS", "TRAUMA"),
    ),
    ProductSpec(
        "45A51", "Gezinsbehandeling", 4, "ambulant",
        "Systeemgerichte behandeling met het hele gezin, thuis of op locatie.",
        "gezinstherapie, systeemtherapie, gezinsbehandeling, ouder-kind, gezinssysteem",
        {"ambulant": 10, "instelling": 5, "ggz": 6}, (2, 16), (10, 50), ((0, 18), (4, 18)),
        ("SCHEIDING", "HUISELIJK_GEWELD", "TRAUMA", "EXTERNALISEREND"),
    ),
    ProductSpec(
        "45A53", "Individuele begeleiding specialistisch", 4, "ambulant",
        "Specialistische begeleiding van de jeugdige, bijvoorbeeld bij autisme of een licht verstandelijke beperking.",
        "individuele begeleiding, autisme, ass, lvb, coaching jongeren, structuur, vaardigheden",
        {"ambulant": 22, "lvb": 5, "dagbesteding": 4}, (0, 10), (15, 80), ((4, 18), (12, 18), (12, 21)),
        ("ASS", "LVB", "18PLUS", "INTERNALISEREND"),
    ),
    ProductSpec(
        "45A63", "Praktische gezinsondersteuning", 4, "ambulant",
        "Praktische hulp thuis bij structuur, huishouden en dagritme in het gezin.",
        "praktische gezinsondersteuning, pgo, huishouden, structuur, dagritme, gezinshulp",
        {"ambulant": 22}, (0, 6), (20, 100), ((0, 18),),
        ("LVB", "SCHEIDING"),
    ),
    ProductSpec(
        "45A49", "Groepstraining", 4, "ambulant",
        "Trainingen in een groep, zoals sociale vaardigheden, weerbaarheid en faalangst.",
        "sova-training, sociale vaardigheden, weerbaarheid, faalangst, groepstraining, kanjertraining, oudercursus",
        {"ambulant": 10, "ggz": 5}, (2, 12), (8, 40), ((4, 12), (8, 14), (12, 18)),
        ("ASS", "INTERNALISEREND", "EXTERNALISEREND"),
    ),
    ProductSpec(
        "45A56", "Hulp bij complexe scheiding", 4, "ambulant",
        "Specialistische hulp voor kinderen en ouders bij een vechtscheiding.",
        "vechtscheiding, complexe scheiding, ouderschap, kinderen uit de knel, omgang",
        {"ambulant": 6, "ggz": 3}, (2, 14), (8, 40), ((0, 18),),
        ("SCHEIDING", "HUISELIJK_GEWELD"),
    ),
    ProductSpec(
        "45A06", "Diagnostiek ambulant", 4, "ambulant",
        "Psychodiagnostisch of orthopedagogisch onderzoek naar wat er met de jeugdige aan de hand is.",
        "diagnostiek, onderzoek, psychodiagnostiek, iq-onderzoek, intelligentieonderzoek, adhd-onderzoek, autisme-onderzoek",
        {"ggz": 14, "instelling": 4, "lvb": 2}, (2, 20), (10, 60), ((0, 18), (4, 18)),
        ("ASS", "LVB", "GGZ"),
    ),
    ProductSpec(
        "54A01", "Jeugd-GGZ diagnostiek en kortdurende behandeling", 4, "ambulant",
        "Onderzoek en kortdurende behandeling bij lichte tot matige psychische klachten zoals angst, somberheid of ADHD.",
        "jeugd-ggz, psycholoog, angst, depressie, somberheid, adhd, kinderpsycholoog, basis ggz",
        {"ggz": 26}, (3, 20), (20, 100), ((0, 18), (4, 18), (12, 18)),
        ("GGZ", "INTERNALISEREND", "TRAUMA", "ASS"),
    ),
    ProductSpec(
        "54A02", "Jeugd-GGZ specialistische behandeling", 4, "ambulant",
        "Specialistische behandeling bij ernstige of complexe psychische problematiek.",
        "specialistische ggz, kinderpsychiater, psychiatrie, autisme, adhd, eetstoornis, zelfbeschadiging",
        {"ggz": 22, "instelling": 4}, (6, 40), (20, 120), ((0, 18), (6, 18), (12, 18)),
        ("GGZ", "INTERNALISEREND", "ASS", "TRAUMA"), drift=0.3,
    ),
    ProductSpec(
        "54A03", "Traumabehandeling", 4, "ambulant",
        "Behandeling van trauma en PTSS, bijvoorbeeld met EMDR of traumagerichte cognitieve gedragstherapie.",
        "trauma, ptss, emdr, traumabehandeling, kindermishandeling, misbruik",
        {"ggz": 12}, (4, 30), (10, 60), ((4, 18), (12, 18)),
        ("TRAUMA", "GGZ", "HUISELIJK_GEWELD"),
    ),
    ProductSpec(
        "54A04", "Jeugd-GGZ intensieve behandeling", 4, "ambulant",
        "Intensieve specialistische behandeling, ook bij suïcidaliteit of een eetstoornis.",
        "intensieve behandeling, suïcidaal, suicide, eetstoornis, anorexia, zelfbeschadiging, fact jeugd",
        {"ggz": 5, "instelling": 3}, (8, 52), (10, 40), ((12, 18), (12, 21)),
        ("GGZ", "INTERNALISEREND"), drift=0.4,
    ),
    ProductSpec(
        "54A05", "Dyslexiezorg (EED)", 4, "ambulant",
        "Diagnostiek en behandeling van ernstige enkelvoudige dyslexie, na verwijzing via school.",
        "dyslexie, eed, lezen, spellen, leesproblemen, dyslexiebehandeling",
        {"dyslexie": 8, "ggz": 3}, (2, 26), (20, 120), ((7, 13),),
        (),
    ),
    ProductSpec(
        "54A06", "Behandeling verslaving jeugd", 4, "ambulant",
        "Behandeling van jongeren met problematisch middelengebruik of gameverslaving.",
        "verslaving, drugs, alcohol, blowen, gameverslaving, middelengebruik",
        {"ggz": 3, "instelling": 1}, (2, 16), (10, 40), ((12, 18), (12, 23)),
        ("VERSLAVING", "GGZ"),
    ),
    ProductSpec(
        "40A01", "Persoonlijke verzorging", 4, "ambulant",
        "Hulp bij persoonlijke verzorging thuis voor jeugdigen die dit zelf niet kunnen.",
        "persoonlijke verzorging, verzorging, wassen, aankleden, lichamelijke beperking, zorg thuis",
        {"ambulant": 8, "lvb": 2}, (0, 6), (10, 60), ((0, 18),),
        ("LVB",),
    ),
    # Segment 5: crisis
    ProductSpec(
        "46A01", "Crisishulp ambulant", 5, "crisis",
        "Directe hulp thuis bij een crisis, binnen 24 uur ingezet en 24/7 bereikbaar.",
        "crisis, spoed, crisishulp, spoedhulp, acuut, crisisinterventie, 24/7",
        {"instelling": 4}, (0, 1), (4, 12), ((0, 18),),
        ("SPOED", "HUISELIJK_GEWELD", "GGZ"),
    ),
    ProductSpec(
        "46A03", "Crisisopvang verblijf", 5, "crisis",
        "Tijdelijke opvang op een crisisplek als thuis blijven niet veilig is.",
        "crisisopvang, crisisplek, spoedplaatsing, noodopvang, acuut onveilig, uithuisplaatsing",
        {"instelling": 4}, (0, 1), (2, 6), ((0, 18), (12, 18)),
        ("SPOED", "TRAUMA", "EXTERNALISEREND"),
    ),
    ProductSpec(
        "46A02", "Crisisplek gezinshuis", 5, "crisis",
        "Crisisopvang in een gezinshuis, geschikt voor jonge kinderen en broers en zussen samen.",
        "crisis gezinshuis, crisisopvang in gezin, spoedplaatsing, crisisplek",
        {"gezinshuis": 2, "instelling": 1}, (0, 1), (1, 3), ((0, 12), (0, 18)),
        ("SPOED", "BROERS_ZUSSEN"),
    ),
    ProductSpec(
        "46A05", "Crisispleegzorg", 5, "crisis",
        "Opvang in een crisispleeggezin binnen enkele uren, voor enkele weken.",
        "crisispleegzorg, crisispleeggezin, spoed pleeggezin, noodopvang",
        {"pleegzorg": 2}, (0, 1), (2, 8), ((0, 18),),
        ("SPOED", "BROERS_ZUSSEN"),
    ),
)

SEGMENT2_FIGURES = {
    # code: (contracted providers, (min, max) waiting weeks) as published for the region
    "43A09": (5, (2, 12)),
    "43A10": (10, (1, 110)),
    "43A14": (6, (0, 40)),
    "43B99": (5, (1, 40)),
}

# What a provider kind falls back to when the draws above gave it no contract at all.
FALLBACK_PRODUCT = {
    "ambulant": "45A04",
    "ggz": "54A01",
    "instelling": "45A05",
    "lvb": "45A53",
    "dagbesteding": "41A18",
    "dyslexie": "54A05",
    "gezinshuis": "43A10",
    "pleegzorg": "43A09",
}
