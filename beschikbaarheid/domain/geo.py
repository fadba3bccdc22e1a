"""Distances between places: the geodesic on the WGS84 ellipsoid, and a box around a circle to prefilter."""
from __future__ import annotations

import math

from pyproj import Geod

KM_PER_DEGREE_LAT = 111.32
# PROJ's implementation of Karney's geodesic algorithm (the one geographiclib and geopy use), in C:
# a distance costs about a microsecond, so the search computes one for every candidate.
WGS84 = Geod(ellps="WGS84")


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in km on the WGS84 ellipsoid (every distance a user sees or is ranked by)."""
    if not (-90.0 <= lat1 <= 90.0 and -90.0 <= lat2 <= 90.0):
        raise ValueError(f"latitude out of range: {lat1}, {lat2}")
    return WGS84.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that surely contains the circle of `km`.

    A little margin (2%) covers the difference between the spherical approximation and WGS84.
    """
    dlat = km * 1.02 / KM_PER_DEGREE_LAT
    dlon = km * 1.02 / (KM_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
