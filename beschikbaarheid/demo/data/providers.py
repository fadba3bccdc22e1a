"""Parts the ~180 fictional demo providers are built from, and the names they must never get.

Invented waiting times must never be attached to real organisations (domain.md), so names are
composed from invented parts and checked against `REAL_ORGANISATIONS` when generated.
"""
from __future__ import annotations

# Provider kinds and how many of each the demo region has (180 in total, as in the region).
KINDS: dict[str, int] = {
    "pleegzorg": 5,
    "gezinshuis": 8,
    "instelling": 12,
    "lvb": 6,
    "ggz": 38,
    "ambulant": 85,
    "dagbesteding": 18,
    "dyslexie": 8,
}

# Number of locations per kind: (min, max); most small practices have one.
LOCATIONS_PER_KIND: dict[str, tuple[int, int]] = {
    "pleegzorg": (1, 2),
    "gezinshuis": (1, 3),
    "instelling": (2, 3),
    "lvb": (2, 3),
    "ggz": (1, 2),
    "ambulant": (1, 2),
    "dagbesteding": (1, 2),
    "dyslexie": (1, 3),
}

# Kinds whose locations lie mostly in villages (gezinshuizen, zorgboerderijen).
VILLAGE_KINDS = frozenset({"gezinshuis", "dagbesteding"})

NAME_TEMPLATES: dict[str, tuple[str, ...]] = {
    "pleegzorg": ("Pleegzorg {core}", "Pleeggezinnen {core}", "Stichting Pleegzorg {core}"),
    "gezinshuis": ("Gezinshuis {core}", "Gezinshuizen {core}", "Gezinshuisorganisatie {core}"),
    "instelling": ("Stichting {core} Jeugdhulp", "{core} Jeugd & Gezin", "Jeugdzorg {core}", "Zorggroep {core}"),
    "lvb": ("Orthopedagogisch Centrum {core}", "{core} Zorg voor LVB-jeugd", "Stichting {core} Wonen & Leren"),
    "ggz": ("Praktijk {core} Jeugd-GGZ", "Psychologenpraktijk {core}", "{core} Kind & Jeugdpsychologie",
            "GGZ-praktijk {core}", "Kinderpsychologie {core}"),
    "ambulant": ("Gezinscoaching {core}", "{core} Opvoedondersteuning", "Jeugdhulp {core}", "Thuisbegeleiding {core}",
                 "Zorgbureau {core}", "{core} Jeugdcoaching", "Begeleidingspraktijk {core}", "{core} Gezinsbegeleiding"),
    "dagbesteding": ("Zorgboerderij {core}", "Dagbesteding {core}", "Kinderdagcentrum {core}", "Zorgboerderij {core}"),
    "dyslexie": ("Dyslexiepraktijk {core}", "Leerpraktijk {core}", "{core} Dyslexie & Leren"),
}

# Invented name cores; each is used at most a few times.
NAME_CORES: tuple[str, ...] = (
    "De Linde", "Zonnehoek", "De Vlinder", "Het Baken", "De Eik", "Vlindertuin", "De Brug", "Het Veldhuis",
    "De Wilg", "Peelrand", "Dommeldal", "Kempenhof", "Het Klaverblad", "De Zonnebloem", "De Zevensprong",
    "Het Lichtpunt", "De Wegwijzer", "Groeikracht", "Stapsteen", "Koersvast", "Windroos", "Noorderlicht",
    "De Kapstok", "Het Nest", "De Boomgaard", "Het Hofke", "De Notenboom", "Zilverberk", "De Akker",
    "Heidebloem", "De Beemd", "Het Wiel", "Vliegwiel", "Opstap", "Kiemkracht", "Sterrenpad", "De Vuurtoren",
    "Het Schip", "De Meander", "Molenzicht", "Heidezicht", "Dommelhof", "De Kleine Beer", "Het Groene Huis",
    "De Wissel", "Buitenkans", "Tussenstap", "De Haven", "Het Kruispunt", "Lindehof", "De Overkant",
    "Zeven Linden", "Het Zonnehuis", "De Pluim", "De Parel", "Pimpernel", "Klimop", "De Hazelaar",
    "De Vlasakker", "Berkenhof", "Wilgenhoeve", "De Kievit", "De Ooievaar", "Paardenbloem", "Kompasroos",
    "De Peelhoeve", "Aa-dal", "Het Speelhuis", "De Zandloper", "Vlasbloem", "De Korenbloem", "Het Vogelnest",
    "De Lindeboom", "Morgenrood", "De Kapel", "Het Torentje", "Groenewoud", "De Beukenhof", "Stroomop",
    "De Gouden Draad", "Rode Draad", "Bontgenoten", "De Kinderkamer", "Het Trefpunt", "De Sprong",
    "Sterk Begin", "De Steiger", "Het Anker", "Vrijbaan", "De Horst", "Kruisbes", "Dorpsweide",
)

# Names of the homes of gezinshuis organisations (one location = one gezinshuis), each used once.
HOME_NAMES: tuple[str, ...] = (
    "De Kastanje", "Het Vogelhuis", "De Hoeve", "Zonneweide", "De Appelgaard", "Het Eikenhuis", "De Zwaluw",
    "Het Zomerhuis", "Sterrenhuis", "De Kleine Linde", "Heidehuis", "De Boshoek", "Het Wilgenhuis",
    "De Klaproos", "Het Hoefijzer", "De Walnoot", "Het Kerspad", "De Duiventil", "Het Bakhuis", "De Vlier",
    "De Kersenboom", "Het Ooievaarsnest", "De Schuur", "Het Lindehuis", "De Bijenhof", "Het Vlasveld",
    "De Meidoorn", "Het Heuveltje", "De Morgenster", "Het Molenhuis",
)

# The demo providers the aanbieder demo accounts belong to: name, kind, update behaviour.
NAMED_PROVIDERS: tuple[tuple[str, str, str], ...] = (
    ("Stichting De Linde Jeugdhulp", "instelling", "trouw"),
    ("Gezinshuizen Zonnehoek", "gezinshuis", "achterstand"),
    ("Praktijk Vlindertuin Jeugd-GGZ", "ggz", "alleen_bevestigen"),
)

# Real organisations in and around the region (and large national ones): a demo name must never
# contain one of these (whole-word, case-insensitive).
REAL_ORGANISATIONS: tuple[str, ...] = (
    "Lunet", "Combinatie Jeugdzorg", "De Combinatie", "Oosterpoort", "GGzE", "GGz Eindhoven", "Dichterbij",
    "Karakter", "Sterk Huis", "Cello", "Lievegoed", "Pleegzorg Brabant", "Horizon", "Pluryn", "Idris",
    "Levvel", "Koraal", "Amarant", "Juvent", "Youz", "Parnassia", "Accare", "Kentalis", "Kannerhuis",
    "Herlaarhof", "Yes We Can", "Ambiq", "Novadic", "Kompaan", "Jeugdbescherming Brabant",
    "Kinderbescherming", "Veilig Thuis", "Severinus", "Prisma", "ZuidZorg", "Vitalis", "Bijzonder Jeugdwerk",
    "Fier", "Entrea", "Lindenhout", "Intermetzo", "Conrisq", "Altra", "Spirit", "Jeugdformaat", "Timon",
    "Enver", "Reinaerde", "Heeren Loo", "Ipse de Bruggen", "Lijn5", "Elker", "Reinier van Arkel",
    "Vincent van Gogh", "Mondriaan", "Zorggroep Elde", "Kempenhaeghe", "Hondsberg", "Jados", "Stevig",
)
