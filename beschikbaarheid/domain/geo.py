"""Distances between places: geodesic (geopy) for what users see, a cheap box to prefilter."""
from __future__ import annotations

import math

from geopy.distance import geodesic

KM_PER_DEGREE_LAT = 111.32


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in km on the WGS84 ellipsoid (what every shown distance uses)."""
    return geodesic((lat1, lon1), (lat2, lon2)).km


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that surely contains the circle of `km`.

    A little margin (2%) covers the difference between the spherical approximation and WGS84.
    """
    dlat = km * 1.02 / KM_PER_DEGREE_LAT
    dlon = km * 1.02 / (KM_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
