"""The "Klopt dit niet?" rules: working days to escalation, the card's status lines, and the freshness penalty."""
from __future__ import annotations

import datetime as dt

import pytest

from beschikbaarheid.domain import feedback as rules
from beschikbaarheid.domain import freshness, scoring
from beschikbaarheid.domain.freshness import TZ


def at(day: int, month: int = 3, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (dt.date(2026, 3, 5), dt.date(2026, 3, 5), 0),    # same day
    (dt.date(2026, 3, 5), dt.date(2026, 3, 6), 1),    # Thu -> Fri
    (dt.date(2026, 3, 6), dt.date(2026, 3, 8), 0),    # Fri -> Sun: the weekend does not count
    (dt.date(2026, 3, 5), dt.date(2026, 3, 12), 5),   # Thu -> next Thu
    (dt.date(2026, 4, 23), dt.date(2026, 4, 30), 4),  # over King's Day (Monday 27 April 2026)
    (dt.date(2026, 3, 12), dt.date(2026, 3, 5), 0),   # backwards
])
def test_working_days_after(start, end, expected):
    assert rules.working_days_after(start, end) == expected


def test_a_monday_report_escalates_on_the_next_monday_not_before():
    monday = at(2)
    assert not rules.escalation_due(monday, at(6, hour=23))  # Friday: 4 working days
    assert not rules.escalation_due(monday, at(8, hour=23))  # Sunday: still 4
    assert rules.escalation_due(monday, at(9, hour=0))  # Monday just after midnight (Amsterdam)


def test_a_late_evening_report_counts_from_its_amsterdam_day():
    # 23:30 UTC on Sunday 1 March is Monday 2 March in Amsterdam.
    late = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone.utc)
    assert rules.escalation_due(late, at(9))
    assert not rules.escalation_due(late, at(6))


def test_open_status_names_the_count_the_newest_reason_and_its_age():
    one = [rules.OpenReport("Wachttijd langer dan vermeld", at(2))]
    assert rules.open_status(one, at(5)) == "1 melding: wachttijd langer dan vermeld, 3 dagen geleden, nog niet beantwoord"
    two = [*one, rules.OpenReport("Intake gesloten", at(4))]
    assert rules.open_status(two, at(5)) == "2 meldingen: intake gesloten, gisteren, nog niet beantwoord"
    assert rules.open_status([rules.OpenReport("Anders", at(5, hour=8))], at(5)) == "1 melding: anders, vandaag, nog niet beantwoord"
    assert rules.open_status([], at(5)) == ""


def test_answer_status_says_when_and_how_the_provider_checked():
    klopt = rules.LastAnswer("klopt", at(3, hour=12), "Wachttijd klopt: 6 weken")
    update = rules.LastAnswer("update", at(3, hour=12))
    assert rules.answer_status(klopt, at(5)) == "gecontroleerd door de aanbieder op 3 maart: klopt wel — Wachttijd klopt: 6 weken"
    assert rules.answer_status(update, at(5)) == "gecontroleerd door de aanbieder op 3 maart: gegevens bijgewerkt"
    assert rules.answer_status(update, at(3, hour=12) + dt.timedelta(days=rules.ANSWER_SHOWN_DAYS + 1)) == ""
    assert rules.answer_status(None, at(5)) == ""


def test_an_open_report_halves_the_freshness_factor_however_many_there_are():
    now = at(20)
    for updated in (at(20, hour=8), at(10), at(1, month=2), None):
        plain = freshness.freshness_factor(updated, now)
        assert freshness.freshness_factor(updated, now, open_reports=1) == pytest.approx(plain * freshness.OPEN_REPORT_FACTOR)
        assert freshness.freshness_factor(updated, now, open_reports=3) == freshness.freshness_factor(updated, now, open_reports=1)


def test_with_everything_else_equal_an_open_report_lowers_the_score_and_is_explained():
    settings = scoring.ScoreSettings()
    now = at(20)
    common = dict(match_strength=1.0, km=3.0, waiting_weeks=4, free_places=1, intake_status="open", updated_at=at(19), now=now, settings=settings)
    clean = scoring.score_parts(**common)
    doubted = scoring.score_parts(**common, open_reports=1)
    assert (doubted.fit, doubted.distance, doubted.waiting) == (clean.fit, clean.distance, clean.waiting)
    assert doubted.freshness == pytest.approx(clean.freshness / 2)
    assert scoring.score(doubted, settings) < scoring.score(clean, settings)
    lines = scoring.explain(match_kind="code", product_label="43A10 Gezinshuis", need_label="gezinshuis", km=3.0, origin_label="Helmond",
                            waiting_weeks=4, free_places=1, intake_status="open", updated_at=at(19), now=now, open_reports=1)
    assert lines[-1] == "Een verwijzer meldde dat iets niet klopt; nog niet beantwoord (actualiteit telt half mee)"
