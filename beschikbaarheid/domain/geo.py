"""Distances between places: geodesic (geopy) for what users see, a cheap box to prefilter."""
from __future__ import annotations

import math
from functools import lru_cache

from geographiclib.geodesic import Geodesic
from geopy.distance import ELLIPSOIDS, geodesic

KM_PER_DEGREE_LAT = 111.32

# The very solver geopy's `geodesic` uses (geographiclib on geopy's WGS-84 in km): same numbers,
# without geopy's per-call Point parsing and object set-up (most of its cost).
_WGS84 = ELLIPSOIDS["WGS-84"]
_GEOD = Geodesic(_WGS84[0], _WGS84[2])


@lru_cache(maxsize=32768)
def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in km on the WGS84 ellipsoid (what every shown distance uses).

    A pure function of the four coordinates, so memoised (bounded LRU): searches start from a
    limited set of place centroids and end at the locations of the offerings.
    """
    if -90.0 <= lat1 <= 90.0 and -90.0 <= lat2 <= 90.0 and -180.0 <= lon1 <= 180.0 and -180.0 <= lon2 <= 180.0:
        return _GEOD.Inverse(float(lat1), float(lon1), float(lat2), float(lon2), Geodesic.DISTANCE)["s12"]
    return geodesic((lat1, lon1), (lat2, lon2)).km  # geopy normalises or rejects odd coordinates


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that surely contains the circle of `km`.

    A little margin (2%) covers the difference between the spherical approximation and WGS84.
    """
    dlat = km * 1.02 / KM_PER_DEGREE_LAT
    dlon = km * 1.02 / (KM_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
