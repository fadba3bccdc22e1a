"""Distances (domain/geo.py): the geodesic every shown and ranked distance uses, and the search box."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beschikbaarheid.domain.geo import bounding_box, geodesic_km


def test_known_distances_on_the_wgs84_ellipsoid():
    # Reference values: Karney's algorithm (geographiclib 2.0) on WGS84.
    assert geodesic_km(52.3702, 4.8952, 52.0907, 5.1214) == pytest.approx(34.728863712904844, abs=1e-6)  # Amsterdam-Utrecht
    assert geodesic_km(51.4793, 5.6570, 51.4416, 5.4697) == pytest.approx(13.676517785628868, abs=1e-6)  # Helmond-Eindhoven
    assert geodesic_km(51.4793, 5.6570, 51.4793, 5.6570) == 0.0


def test_a_latitude_beyond_the_pole_is_refused():
    with pytest.raises(ValueError):
        geodesic_km(95.0, 5.0, 52.0, 5.0)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(50.7, 53.6), lon=st.floats(3.3, 7.3), km=st.floats(1, 300),
    dlat=st.floats(-1, 1), dlon=st.floats(-1, 1),
)
def test_the_box_holds_every_point_within_the_distance(lat, lon, km, dlat, dlon):
    """The search takes its candidates from this box: nothing within `km` may fall outside it."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, km)
    other = (lat + dlat * km / 111.0, lon + dlon * km / 68.0)
    if geodesic_km(lat, lon, *other) <= km:
        assert min_lat <= other[0] <= max_lat and min_lon <= other[1] <= max_lon
