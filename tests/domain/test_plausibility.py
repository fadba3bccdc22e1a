"""Plausibility checks: impossible values are refused with a Dutch reason, doubtful ones become a question."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from beschikbaarheid.domain.plausibility import Limits, check_submission, parse_int

LIMITS = Limits(max_jump_weeks=12, max_waiting_weeks=156, max_capacity=500)
ROW = ("capacity", "free_places", "waiting_weeks", "intake_status", "note")
CURRENT = {"capacity": 6, "free_places": 1, "waiting_weeks": 4, "intake_status": "open", "age_min": 0, "age_max": 18, "note": ""}


def check(current=None, fields=ROW, confirmed=False, **raw):
    submitted = {"capacity": "6", "free_places": "1", "waiting_weeks": "4", "intake_status": "open", "note": ""}
    submitted.update({k: v for k, v in raw.items()})
    return check_submission(submitted, current or CURRENT, LIMITS, fields, current_confirmed=confirmed)


def test_ordinary_values_pass_and_are_parsed():
    result = check(free_places="2", waiting_weeks="6", note="  spoed in overleg ")
    assert result.ok and not result.doubts
    assert result.values == {"capacity": 6, "free_places": 2, "waiting_weeks": 6, "intake_status": "open", "note": "spoed in overleg"}


@pytest.mark.parametrize("raw, message", [
    ("-1", "niet negatief"),
    ("1.5", "heel getal"),
    ("1,5", "heel getal"),
    ("twee", "Vul een getal in"),
    ("99999999999999", "veel te groot"),
])
def test_bad_numbers_are_errors_next_to_the_field(raw, message):
    result = check(waiting_weeks=raw)
    assert not result.ok
    assert list(result.errors) == ["waiting_weeks"]
    assert message in result.errors["waiting_weeks"][0]


def test_free_places_above_capacity_is_an_error():
    result = check(capacity="3", free_places="4")
    assert "dan de capaciteit (3)" in result.errors["free_places"][0]


def test_free_places_checked_against_stored_capacity_when_capacity_not_submitted():
    result = check_submission({"free_places": "9"}, CURRENT, LIMITS, ("free_places",))
    assert "free_places" in result.errors


def test_absurd_waiting_and_capacity_are_errors():
    result = check(waiting_weeks="157", capacity="501", free_places="0")
    assert "156 weken" in result.errors["waiting_weeks"][0]
    assert "500 plekken" in result.errors["capacity"][0]


def test_thresholds_come_from_settings():
    limits = Limits.from_config({"PLAUSIBILITY_MAX_WAITING_WEEKS": 52, "PLAUSIBILITY_MAX_JUMP_WEEKS": 2, "PLAUSIBILITY_MAX_CAPACITY": 10})
    result = check_submission({"waiting_weeks": "53"}, CURRENT, limits, ("waiting_weeks",))
    assert "52 weken" in result.errors["waiting_weeks"][0]
    result = check_submission({"waiting_weeks": "7"}, CURRENT, limits, ("waiting_weeks",))
    assert result.ok and result.doubts[0].key == "jump:4:7"


def test_required_fields_and_empty_capacity():
    result = check(free_places="", waiting_weeks="  ")
    assert set(result.errors) == {"free_places", "waiting_weeks"}
    assert check(capacity="").values["capacity"] is None


def test_age_range_must_be_valid():
    fields = ("age_min", "age_max")
    assert "hoger dan de maximumleeftijd" in check_submission({"age_min": "12", "age_max": "4"}, CURRENT, LIMITS, fields).errors["age_min"][0]
    assert "27 jaar" in check_submission({"age_min": "0", "age_max": "30"}, CURRENT, LIMITS, fields).errors["age_max"][0]
    assert check_submission({"age_min": "12", "age_max": "23"}, CURRENT, LIMITS, fields).ok


def test_intake_status_and_note_length():
    assert check(intake_status="misschien").errors["intake_status"] == ["Kies een aanmeldstatus."]
    assert "te lang" in check(note="x" * 1001).errors["note"][0]


def test_unknown_target_group_is_an_error():
    result = check_submission({"target_groups": ["ASS", "ONZIN"]}, CURRENT, LIMITS, ("target_groups",), target_group_codes=("ASS", "LVB"))
    assert "ONZIN" in result.errors["target_groups"][0]


def test_zero_wait_without_free_place_is_a_question():
    result = check(free_places="0", waiting_weeks="0")
    assert result.ok
    assert [d.key for d in result.doubts] == ["zero_wait_no_place"]
    assert "0 weken wachttijd" in result.doubts[0].message


def test_big_jump_is_a_question_with_both_values():
    result = check(waiting_weeks="30")
    assert result.doubt_keys == ["jump:4:30"]
    assert "van 4 naar 30 weken" in result.doubts[0].message
    assert not check(waiting_weeks="16").doubts  # exactly 12 weeks more is still fine


def test_closed_intake_with_free_places_is_a_question():
    assert check(intake_status="gesloten", free_places="2").doubt_keys == ["closed_with_places:2"]
    assert not check(intake_status="gesloten", free_places="0", waiting_weeks="8").doubts


def test_confirmation_covers_exactly_the_values_asked_about():
    result = check(waiting_weeks="30")
    assert result.is_confirmed_by(["jump:4:30"])
    assert not result.is_confirmed_by(["jump:4:25"])  # the provider changed the value after the question
    assert not result.is_confirmed_by([])


def test_already_confirmed_unusual_values_are_not_asked_again():
    current = {**CURRENT, "free_places": 0, "waiting_weeks": 0}
    result = check(current=current, confirmed=True, free_places="0", waiting_weeks="0", note="nieuwe notitie")
    assert result.ok and not result.doubts and result.keeps_confirmation
    # ... but they are asked when not confirmed before
    assert check(current=current, confirmed=False, free_places="0", waiting_weeks="0").doubts


def test_parse_int_variants():
    assert parse_int(" 12 ") == (12, None)
    assert parse_int("") == (None, None)
    assert parse_int("+3") == (3, None)


@given(
    capacity=st.integers(0, 500),
    free=st.integers(0, 500),
    waiting=st.integers(0, 156),
)
def test_any_value_within_limits_is_never_a_hard_error_unless_free_exceeds_capacity(capacity, free, waiting):
    result = check(capacity=str(capacity), free_places=str(free), waiting_weeks=str(waiting))
    assert result.ok == (free <= capacity)
    if result.ok:
        assert result.values["waiting_weeks"] == waiting
