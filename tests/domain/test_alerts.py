"""The plek-alert rule: what counts as a matching offering "opening up" between two evaluations."""
from __future__ import annotations

import datetime as dt

from beschikbaarheid.domain import alerts as rules
from beschikbaarheid.domain.alerts import INTAKE_REOPENED, NEW_MATCH, PLACE_FREED, WAIT_WITHIN_MAX, Seen


def seen(free=0, intake="open", wait=10) -> Seen:
    return Seen(free, intake, wait)


def test_an_offering_that_newly_matches_is_an_opening():
    assert rules.openings(None, seen(), None) == (NEW_MATCH,)


def test_free_places_from_zero_or_unknown_to_more_is_an_opening():
    assert rules.openings(seen(free=0), seen(free=1), None) == (PLACE_FREED,)
    assert rules.openings(seen(free=None), seen(free=2), None) == (PLACE_FREED,)
    assert rules.openings(seen(free=1), seen(free=3), None) == ()  # there already was a place
    assert rules.openings(seen(free=2), seen(free=0), None) == ()


def test_intake_reopening_is_an_opening():
    assert rules.openings(seen(intake="gesloten"), seen(intake="open"), None) == (INTAKE_REOPENED,)
    assert rules.openings(seen(intake="overleg"), seen(intake="open"), None) == (INTAKE_REOPENED,)
    assert rules.openings(seen(intake="open"), seen(intake="overleg"), None) == ()
    assert rules.openings(seen(intake="gesloten"), seen(intake="overleg"), None) == ()


def test_a_wait_falling_to_the_maximum_or_below_is_an_opening():
    assert rules.openings(seen(wait=12), seen(wait=8), 8) == (WAIT_WITHIN_MAX,)
    assert rules.openings(seen(wait=None), seen(wait=6), 8) == (WAIT_WITHIN_MAX,)
    assert rules.openings(seen(wait=7), seen(wait=5), 8) == ()  # it was within the maximum already
    assert rules.openings(seen(wait=20), seen(wait=9), 8) == ()  # shorter, but still too long
    assert rules.openings(seen(wait=20), seen(wait=2), None) == ()  # no maximum: the wait rule does not apply


def test_several_things_can_open_up_at_once_and_nothing_changed_is_nothing():
    assert rules.openings(seen(free=0, intake="gesloten", wait=30), seen(free=2, intake="open", wait=4), 8) == (
        PLACE_FREED, INTAKE_REOPENED, WAIT_WITHIN_MAX)
    assert rules.openings(seen(), seen(), 8) == ()


def test_an_offering_that_did_not_match_and_matches_again_is_an_opening():
    # Kept out by its figures: the figure that opened up says why.
    assert rules.openings(Seen(0, "gesloten", 10, matches=False), seen(intake="open"), None) == (INTAKE_REOPENED,)
    assert rules.openings(Seen(0, "open", 20, matches=False), seen(wait=6), 8) == (WAIT_WITHIN_MAX,)
    # Kept out by something else (its ages, its target groups, its contract): it newly matches.
    assert rules.openings(Seen(0, "open", 10, matches=False), seen(), None) == (NEW_MATCH,)


def test_an_alert_runs_sixty_days_and_a_stopped_or_expired_one_is_not_active():
    start = dt.datetime(2026, 12, 4, 10, tzinfo=dt.timezone.utc)
    expires = rules.expiry(start)
    assert expires == start + dt.timedelta(days=60)
    assert rules.is_active(None, expires, start + dt.timedelta(days=59))
    assert not rules.is_active(None, expires, expires)
    assert not rules.is_active(start, expires, start + dt.timedelta(days=1))
