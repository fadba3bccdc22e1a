"""Places of the demo region and its surroundings, so the app works without a GeoNames import.

Facts written by hand: CBS municipality codes, the woonplaatsen (kernen) of each municipality with
a representative coordinate rounded to three decimals, and the four-digit postcodes (PC4) that
belong to each woonplaats. A PC4 area gets its woonplaats' coordinate as centroid; that is precise
enough for "distance to home town" and keeps the data small.
"""
from __future__ import annotations

REGION_NAME = "Een 10 voor de Jeugd"
PROVINCE = "Noord-Brabant"

SUBREGIONS = ("Helmond", "Peelgemeenten", "Dommelvallei+", "Veldhoven")

# cbs_code, name, subregion (None = not a member of the region), lat, lon of the main town
MUNICIPALITIES: tuple[tuple[str, str, str | None, float, float], ...] = (
    # members, with their subregion
    ("0794", "Helmond", "Helmond", 51.479, 5.657),
    ("0743", "Asten", "Peelgemeenten", 51.404, 5.749),
    ("0762", "Deurne", "Peelgemeenten", 51.461, 5.796),
    ("1652", "Gemert-Bakel", "Peelgemeenten", 51.556, 5.690),
    ("1659", "Laarbeek", "Peelgemeenten", 51.524, 5.621),
    ("0847", "Someren", "Peelgemeenten", 51.385, 5.711),
    ("1771", "Geldrop-Mierlo", "Dommelvallei+", 51.424, 5.570),
    ("0820", "Nuenen, Gerwen en Nederwetten", "Dommelvallei+", 51.471, 5.552),
    ("0848", "Son en Breugel", "Dommelvallei+", 51.513, 5.495),
    ("0866", "Waalre", "Dommelvallei+", 51.394, 5.467),
    ("0861", "Veldhoven", "Veldhoven", 51.419, 5.402),
    # neighbours where providers sit (Eindhoven and the Samen voor Jeugd area, Meierijstad)
    ("0772", "Eindhoven", None, 51.441, 5.478),
    ("0753", "Best", None, 51.508, 5.390),
    ("0823", "Oirschot", None, 51.505, 5.313),
    ("1658", "Heeze-Leende", None, 51.383, 5.572),
    ("1706", "Cranendonck", None, 51.290, 5.590),
    ("0858", "Valkenswaard", None, 51.350, 5.460),
    ("1948", "Meierijstad", None, 51.616, 5.549),
)

MEMBER_CODES = tuple(code for code, _name, sub, _lat, _lon in MUNICIPALITIES if sub)


def _pc(*spans: str) -> tuple[str, ...]:
    """Expand '5701-5709' style spans into a tuple of PC4 strings."""
    out: list[str] = []
    for span in spans:
        first, _, last = span.partition("-")
        out.extend(f"{n:04d}" for n in range(int(first), int(last or first) + 1))
    return tuple(out)


# name, cbs_code, lat, lon, PC4s (empty when the kern has no PC4 of its own)
WOONPLAATSEN: tuple[tuple[str, str, float, float, tuple[str, ...]], ...] = (
    ("Helmond", "0794", 51.479, 5.657, _pc("5701-5709")),
    ("Asten", "0743", 51.404, 5.749, _pc("5721-5722")),
    ("Ommel", "0743", 51.425, 5.744, _pc("5724")),
    ("Heusden", "0743", 51.382, 5.804, _pc("5725")),
    ("Deurne", "0762", 51.461, 5.796, _pc("5751-5754")),
    ("Vlierden", "0762", 51.447, 5.757, _pc("5756")),
    ("Liessel", "0762", 51.413, 5.818, _pc("5757")),
    ("Neerkant", "0762", 51.369, 5.866, _pc("5758")),
    ("Helenaveen", "0762", 51.384, 5.909, _pc("5759")),
    ("Gemert", "1652", 51.556, 5.690, _pc("5421-5422")),
    ("Handel", "1652", 51.576, 5.714, _pc("5423")),
    ("Elsendorp", "1652", 51.581, 5.770, _pc("5424")),
    ("De Mortel", "1652", 51.540, 5.712, _pc("5425")),
    ("Bakel", "1652", 51.503, 5.740, _pc("5761")),
    ("Milheeze", "1652", 51.504, 5.781, _pc("5763")),
    ("De Rips", "1652", 51.549, 5.814, _pc("5764")),
    ("Aarle-Rixtel", "1659", 51.508, 5.638, _pc("5735")),
    ("Lieshout", "1659", 51.517, 5.597, _pc("5737")),
    ("Mariahout", "1659", 51.541, 5.572, _pc("5738")),
    ("Beek en Donk", "1659", 51.534, 5.630, _pc("5741")),
    ("Someren", "0847", 51.385, 5.711, _pc("5711-5712")),
    ("Lierop", "0847", 51.420, 5.679, _pc("5715")),
    ("Geldrop", "1771", 51.421, 5.558, _pc("5661-5667")),
    ("Mierlo", "1771", 51.441, 5.619, _pc("5731")),
    ("Nuenen", "0820", 51.471, 5.552, _pc("5671-5674")),
    ("Gerwen", "0820", 51.484, 5.583, ()),
    ("Nederwetten", "0820", 51.496, 5.528, ()),
    ("Son", "0848", 51.513, 5.493, _pc("5691-5692")),
    ("Breugel", "0848", 51.518, 5.512, _pc("5694")),
    ("Waalre", "0866", 51.394, 5.467, _pc("5581-5583")),
    ("Veldhoven", "0861", 51.419, 5.402, _pc("5501-5509")),
    ("Eindhoven", "0772", 51.441, 5.478, _pc("5611-5617", "5621-5629", "5631-5633", "5641-5647", "5651-5658")),
    ("Best", "0753", 51.508, 5.390, _pc("5681-5685")),
    ("Oirschot", "0823", 51.505, 5.313, _pc("5688-5689")),
    ("Heeze", "1658", 51.383, 5.572, _pc("5591")),
    ("Leende", "1658", 51.350, 5.553, _pc("5595")),
    ("Sterksel", "1658", 51.353, 5.618, _pc("6029")),
    ("Budel", "1706", 51.273, 5.575, _pc("6021")),
    ("Maarheeze", "1706", 51.312, 5.617, _pc("6026")),
    ("Soerendonk", "1706", 51.302, 5.576, _pc("6027")),
    ("Valkenswaard", "0858", 51.350, 5.460, _pc("5551-5556")),
    ("Veghel", "1948", 51.616, 5.549, _pc("5461-5467")),
    ("Erp", "1948", 51.600, 5.607, _pc("5469")),
    ("Sint-Oedenrode", "1948", 51.567, 5.460, _pc("5491-5492")),
    ("Schijndel", "1948", 51.622, 5.433, _pc("5481-5482")),
)

# Where provider locations are put: (woonplaats, weight). Offices and clinics sit in the towns,
# gezinshuizen and zorgboerderijen more often in the villages.
TOWN_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("Helmond", 30), ("Eindhoven", 18), ("Veldhoven", 7), ("Geldrop", 6), ("Deurne", 6),
    ("Nuenen", 4), ("Gemert", 4), ("Someren", 3), ("Asten", 3), ("Mierlo", 2), ("Son", 2),
    ("Waalre", 2), ("Beek en Donk", 2), ("Best", 2), ("Valkenswaard", 2), ("Veghel", 2),
    ("Aarle-Rixtel", 1), ("Heeze", 1), ("Sint-Oedenrode", 1), ("Oirschot", 1), ("Budel", 1),
)
VILLAGE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("Helmond", 6), ("Eindhoven", 3), ("Deurne", 3), ("Gemert", 3), ("Someren", 2), ("Asten", 2),
    ("Bakel", 2), ("De Mortel", 2), ("Milheeze", 2), ("Handel", 1), ("Elsendorp", 1), ("De Rips", 1),
    ("Lierop", 2), ("Heusden", 1), ("Ommel", 1), ("Vlierden", 1), ("Liessel", 2), ("Neerkant", 1),
    ("Mariahout", 2), ("Lieshout", 2), ("Aarle-Rixtel", 1), ("Beek en Donk", 1), ("Mierlo", 2),
    ("Geldrop", 1), ("Nuenen", 2), ("Breugel", 1), ("Son", 1), ("Waalre", 1), ("Veldhoven", 2),
    ("Leende", 1), ("Sterksel", 1), ("Maarheeze", 1), ("Soerendonk", 1), ("Erp", 1), ("Schijndel", 1),
    ("Oirschot", 1), ("Best", 1),
)

# Telephone area codes (netnummers) per municipality, for the fictional phone numbers.
AREA_CODES = {
    "0794": "0492", "0743": "0493", "0762": "0493", "1652": "0492", "1659": "0492", "0847": "0493",
    "1771": "040", "0820": "040", "0848": "0499", "0866": "040", "0861": "040", "0772": "040",
    "0753": "0499", "0823": "0499", "1658": "040", "1706": "0495", "0858": "040", "1948": "0413",
}

# Generic Dutch street names for the fictional addresses.
STREETS = (
    "Kerkstraat", "Dorpsstraat", "Molenstraat", "Schoolstraat", "Stationsweg", "Nieuwstraat",
    "Julianastraat", "Wilhelminalaan", "Beatrixlaan", "Torenstraat", "Parallelweg", "Industrieweg",
    "Spoorlaan", "Eikenlaan", "Lindelaan", "Kastanjelaan", "Beukenlaan", "Populierenlaan",
    "Havenweg", "Europaweg", "Brugstraat", "Heuvelstraat", "Kloosterstraat", "Hoofdstraat",
    "Veldweg", "Akkerstraat", "Meidoornlaan", "Berkenlaan", "Zandstraat", "Koppelstraat",
    "Marktstraat", "Vlasstraat", "Pastoriestraat", "Smidsstraat", "Weverstraat", "Bosweg",
)
