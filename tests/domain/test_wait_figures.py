"""Waiting counts, realised waits and waits per target group: the rules the form, the import and the search share."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beschikbaarheid.domain import wait_figures as wf
from beschikbaarheid.domain.plausibility import Limits, check_submission

GROUPS = ("ASS", "LVB", "TRAUMA")
FIELDS = ("free_places", "waiting_weeks", "waiting_count", "realised_wait_weeks", "realised_started", "target_groups", "group_waits")
CURRENT = {"capacity": 6, "free_places": 0, "waiting_weeks": 6, "intake_status": "open", "age_min": 0, "age_max": 18,
           "note": "", "target_groups": ["ASS", "LVB"], "group_waits": {}}


def submit(**raw):
    values = {"free_places": "0", "waiting_weeks": "6", "waiting_count": "", "realised_wait_weeks": "", "realised_started": "",
              "target_groups": ["ASS", "LVB"], "group_waits": {}}
    values.update(raw)
    return check_submission(values, CURRENT, Limits(), FIELDS, target_group_codes=GROUPS)


@pytest.mark.parametrize("today, start, end", [
    (dt.date(2026, 12, 4), dt.date(2026, 10, 1), dt.date(2026, 11, 30)),
    (dt.date(2027, 1, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 31)),
    (dt.date(2024, 3, 31), dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
])
def test_the_realised_period_is_the_two_full_months_before_the_report(today, start, end):
    assert wf.realised_period(today) == (start, end)
    assert wf.period_start(end) == start


@pytest.mark.parametrize("text, weeks, error", [
    ("", None, None), ("7", 7.0, None), ("7,5", 7.5, None), ("7.5", 7.5, None), (" 12,50 ", 12.5, None),
    ("7,55", None, "hoogstens één cijfer"), ("-3", None, "niet negatief"), ("zeven", None, "Vul een getal"),
])
def test_an_average_in_weeks_allows_one_decimal(text, weeks, error):
    parsed, problem = wf.parse_weeks(text)
    assert parsed == weeks and ((problem is None) if error is None else error in problem)


def test_empty_figures_mean_unknown_and_are_saved_as_such():
    result = submit(waiting_count="onbekend")
    assert result.ok and not result.doubts
    assert {k: result.values[k] for k in ("waiting_count", "realised_wait_weeks", "realised_started", "group_waits")} == {
        "waiting_count": None, "realised_wait_weeks": None, "realised_started": None, "group_waits": {}}


@pytest.mark.parametrize("raw, field, message", [
    ({"waiting_count": "-1"}, "waiting_count", "niet negatief"),
    ({"waiting_count": "2,5"}, "waiting_count", "heel getal"),
    ({"realised_started": "-2"}, "realised_started", "niet negatief"),
    ({"realised_started": "4"}, "realised_started", "gemiddelde gerealiseerde wachttijd in van de 4"),
    ({"realised_wait_weeks": "5"}, "realised_wait_weeks", "hoeveel jeugdigen gestart"),
    ({"realised_wait_weeks": "5", "realised_started": "0"}, "realised_wait_weeks", "geen starts"),
    ({"realised_wait_weeks": "200", "realised_started": "2"}, "realised_wait_weeks", "meer dan 156 weken"),
    ({"group_waits": {"XYZ": "3"}}, "group_waits", "Onbekende doelgroep: XYZ"),
    ({"group_waits": {"TRAUMA": "3"}}, "group_waits", "alleen voor een doelgroep waar het aanbod mee werkt: TRAUMA"),
    ({"group_waits": {"ASS": "200"}}, "group_waits", "meer dan 156 weken"),
    ({"group_waits": {"ASS": "-4"}}, "group_waits", "niet negatief"),
    ({"group_waits": {"ASS": "veel"}}, "group_waits", "ASS: Vul een getal in"),
])
def test_impossible_figures_are_refused_with_a_dutch_reason(raw, field, message):
    result = submit(**raw)
    assert not result.ok and list(result.errors) == [field]
    assert message in " ".join(result.errors[field])


def test_geen_starts_and_a_realised_average_with_its_n_pass():
    assert submit(realised_started="0").values["realised_started"] == 0
    result = submit(realised_wait_weeks="6,5", realised_started="3", group_waits={"ASS": "20", "LVB": ""})
    assert result.ok and (result.values["realised_wait_weeks"], result.values["group_waits"]) == (6.5, {"ASS": 20})


def test_a_group_ticked_in_the_same_save_may_get_its_own_wait():
    assert submit(target_groups=["ASS", "TRAUMA"], group_waits={"TRAUMA": "10"}).ok


@pytest.mark.parametrize("raw, keys", [
    # Far from the expected 6 weeks: more than twice as long and at least 4 weeks apart (either way).
    ({"realised_wait_weeks": "13", "realised_started": "2"}, ["realised_far:13.0:6"]),
    ({"realised_wait_weeks": "12", "realised_started": "2"}, []),  # exactly twice: not asked
    ({"waiting_weeks": "12", "realised_wait_weeks": "5,5", "realised_started": "2"}, ["realised_far:5.5:12"]),
    ({"waiting_weeks": "2", "realised_wait_weeks": "5", "realised_started": "2"}, []),  # 3 weeks apart only
    ({"waiting_weeks": "0", "free_places": "1", "waiting_count": "3"}, ["waiting_zero_wait:3", "waiting_with_places:3:1"]),
    ({"free_places": "2", "waiting_count": "3"}, ["waiting_with_places:3:2"]),
    ({"free_places": "2", "waiting_count": "0"}, []),
])
def test_doubtful_figures_ask_a_question_instead_of_refusing(raw, keys):
    result = submit(**raw)
    assert result.ok
    assert [d.key for d in result.doubts if not d.key.startswith("zero_wait_no_place")] == keys


def test_questions_are_worded_for_the_provider():
    result = submit(waiting_weeks="0", free_places="2", waiting_count="3")
    messages = [d.message for d in result.doubts]
    assert "U meldt 3 wachtenden terwijl de verwachte wachttijd 0 weken is. Klopt dat?" in messages
    assert "U meldt 3 wachtenden terwijl er 2 plekken vrij zijn. Kan er niemand op die plekken starten?" in messages


@pytest.mark.parametrize("general, waits, requested, applied", [
    (6, {"ASS": 20}, [], (6, "algemeen")),
    (6, {"ASS": 20}, ["LVB"], (6, "algemeen")),
    (6, {"ASS": 20}, ["ASS"], (20, "ASS")),
    (6, {"ASS": 20, "LVB": 30}, ["ASS", "LVB"], (30, "LVB")),
    (6, {"ASS": 3}, ["ASS"], (3, "ASS")),  # a group may wait shorter than the general wait
    (6, {"ASS": 3}, ["ASS", "LVB"], (6, "algemeen")),  # LVB waits the general 6: the longest applies
    (6, {"ASS": 6}, ["ASS", "LVB"], (6, "ASS")),  # a tie names the group's own wait
    (None, {"ASS": 3}, ["ASS", "LVB"], (None, "algemeen")),  # LVB's wait unknown: so is the child's
    (None, {"ASS": 3}, ["ASS"], (3, "ASS")),
])
def test_the_applied_wait(general, waits, requested, applied):
    assert wf.applied_wait(general, waits, requested) == applied


@given(st.one_of(st.none(), st.integers(0, 156)), st.dictionaries(st.sampled_from(GROUPS), st.integers(0, 156)),
       st.lists(st.sampled_from(GROUPS), unique=True))
def test_the_applied_wait_is_never_shorter_than_any_requested_groups_wait(general, waits, requested):
    weeks, whose = wf.applied_wait(general, waits, requested)
    own = [waits[g] for g in requested if g in waits]
    if weeks is not None:
        assert all(weeks >= w for w in own)
        assert whose == "algemeen" or waits[whose] == weeks
    if not own:
        assert (weeks, whose) == (general, "algemeen")


def test_group_waits_text_round_trips_and_refuses_garbage():
    assert wf.parse_group_waits(" ass=20 | LVB=30|") == {"ASS": 20, "LVB": 30}
    assert wf.format_group_waits({"LVB": 30, "ASS": 20}) == "ASS=20|LVB=30"
    for bad in ("ASS", "ASS=", "=3", "ASS=2.5", "ASS=20|ASS=30"):
        with pytest.raises(ValueError):
            wf.parse_group_waits(bad)
