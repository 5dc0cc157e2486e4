"""Every figure of the bulletin on the hand-computed history in handmade.py."""

from __future__ import annotations

import pytest

from bot.services.bulletin.area import Area
from bot.services.bulletin.figures import FigureSettings, compute_figures, top_with_ties, victim_profile
from bot.services.bulletin.week import IsoWeek
from tests.services.bulletin.conftest import case
from tests.services.bulletin.handmade import W20, W21, W22, W23, history, week22, week23

TAXONOMY_ORDER = ("investment", "fake_customer_service", "task_rebate", "fake_loan")


@pytest.fixture
def figures(testland: Area):
    return compute_figures(history(), W23, testland, type_order=TAXONOMY_ORDER)


def test_totals_and_week_over_week_change(figures) -> None:
    assert (figures.totals.cases, figures.totals.amount) == (10, 11_500)
    assert (figures.totals.previous_cases, figures.totals.previous_amount) == (12, 12_000)
    assert figures.totals.case_change.pct == pytest.approx(-16.667, abs=1e-3)  # (10 - 12) / 12
    assert figures.totals.amount_change.pct == pytest.approx(-4.1667, abs=1e-3)  # (11500 - 12000) / 12000
    assert figures.has_previous


def test_districts_ranked_by_cases_then_amount_then_file_order(figures) -> None:
    ranked = [(d.district, d.cases, d.amount, d.previous, d.rank) for d in figures.districts]
    # a and c tie on 2 cases; c's 3,700 yuan beats a's 2,000; d never had a case but is listed
    assert ranked == [("b", 6, 5_800, 4, 1), ("c", 2, 3_700, 5, 2), ("a", 2, 2_000, 3, 2), ("d", 0, 0, 0, 4)]


def test_top_districts_keep_everyone_tied_with_the_last_place(testland: Area) -> None:
    figures = compute_figures(history(), W23, testland, settings=FigureSettings(top_districts=2))
    assert [d.district for d in figures.top_districts] == ["b", "c", "a"]  # c and a share second place
    figures = compute_figures(history(), W23, testland, settings=FigureSettings(top_districts=1))
    assert [d.district for d in figures.top_districts] == ["b"]


def test_a_district_without_cases_is_never_in_the_top(figures) -> None:
    assert [d.district for d in figures.top_districts] == ["b", "c", "a"]


def test_rising_and_largest_falls(figures) -> None:
    assert [d.district for d in figures.rising] == ["b"]  # 4 → 6
    assert [(d.district, d.previous, d.cases) for d in figures.falling] == [("c", 5, 2), ("a", 3, 2)]


def test_decline_streak_counts_consecutive_weekly_falls_within_the_history(figures) -> None:
    streaks = {d.district: d.decline_streak for d in figures.districts}
    assert streaks == {"a": 3, "b": 0, "c": 1, "d": 0}  # a: 5 > 4 > 3 > 2; c: 3, 3, 5 then 2
    assert [d.district for d in figures.streaks] == ["a"]  # only streaks of two weeks or more are news


def test_hot_towns_with_ties_and_cases_without_town_left_out(figures) -> None:
    towns = [(t.district, t.town, t.cases) for t in figures.hot_towns]
    assert towns == [("b", "乙一街道", 3), ("b", "乙二镇", 3), ("a", "甲一街道", 2)]
    assert figures.district("c").top_town.town == "丙一镇"  # the case without a town counts for c only
    assert figures.district("d").top_town is None


def test_hot_towns_tied_at_the_top(testland: Area) -> None:
    figures = compute_figures(history(), W23, testland, settings=FigureSettings(hot_towns=1))
    assert [t.town for t in figures.hot_towns] == ["乙一街道", "乙二镇"]


def test_types_ranked_with_share_and_ties_broken_by_amount(figures) -> None:
    types = [(t.scam_type, t.cases, t.share, t.previous) for t in figures.types]
    assert types == [
        ("investment", 5, 0.5, 4),
        ("fake_customer_service", 3, 0.3, 2),
        ("fake_loan", 1, 0.1, 0),  # 700 yuan beats task_rebate's 300 on the same single case
        ("task_rebate", 1, 0.1, 0),
    ]


def test_major_types_are_the_smallest_set_reaching_eighty_percent(figures) -> None:
    assert [t.scam_type for t in figures.major_types] == ["investment", "fake_customer_service"]  # 50% + 30%
    assert figures.major_share == pytest.approx(0.8)


def test_major_types_with_a_higher_bar(testland: Area) -> None:
    figures = compute_figures(history(), W23, testland, settings=FigureSettings(majority_share=0.85))
    assert [t.scam_type for t in figures.major_types] == ["investment", "fake_customer_service", "fake_loan"]
    assert figures.major_share == pytest.approx(0.9)


def test_the_type_that_fell_most(figures) -> None:
    falling = figures.falling_type
    assert (falling.scam_type, falling.previous, falling.cases) == ("impersonate_police", 6, 0)


def test_special_alert_is_the_fastest_rising_type_with_victim_profile(testland: Area) -> None:
    figures = compute_figures(history(), W23, testland, settings=FigureSettings(alert_min_cases=2))
    alert = figures.alert
    # investment rose 4 → 5 (+25%), fake customer service 2 → 3 (+50%)
    assert (alert.scam_type, alert.previous, alert.cases) == ("fake_customer_service", 2, 3)
    assert alert.change.pct == pytest.approx(50)
    assert alert.profile.dominant_gender == ("F", pytest.approx(2 / 3))  # 25 F, 27 F, 40 M
    assert (alert.profile.age_low, alert.profile.age_high, alert.profile.in_band) == (25, 27, 2)


def test_no_alert_when_no_type_reaches_the_minimum(figures) -> None:
    assert figures.alert is None  # the default minimum is 10 cases; nothing here has that many


def test_victim_profile_age_band_and_gender_ties() -> None:
    day = W23.monday
    victims = [case(str(i), day, "a", gender=g, age=a)
               for i, (g, a) in enumerate([("F", 23), ("M", 24), ("F", 27), ("M", 30), (None, 61), ("F", None)])]
    profile = victim_profile(victims)
    assert profile.dominant_gender == ("F", 0.6)  # 3 of the 5 with a known gender
    assert (profile.age_low, profile.age_high, profile.in_band, profile.known_age) == (23, 27, 3, 5)
    even = victim_profile(victims[:2])
    assert even.dominant_gender is None
    assert even.age_low is None  # two known ages are too few for a band


def test_victim_profile_prefers_the_youngest_of_equally_dense_bands() -> None:
    victims = [case(str(i), W23.monday, "a", age=a) for i, a in enumerate([20, 21, 40, 41])]
    profile = victim_profile(victims)
    assert (profile.age_low, profile.age_high, profile.in_band) == (20, 21, 2)


def test_trend_covers_the_history_up_to_eight_weeks(figures) -> None:
    trend = [(str(p.week), p.cases, p.amount) for p in figures.trend]
    assert trend == [("2026-W20", 9, 900), ("2026-W21", 9, 900), ("2026-W22", 12, 12_000), ("2026-W23", 10, 11_500)]


def test_trend_is_capped_at_eight_weeks(testland: Area) -> None:
    cases = [case(f"x{i}", W23.shift(-i).monday, "a") for i in range(12)]
    figures = compute_figures(cases, W23, testland)
    assert str(figures.trend[0].week) == "2026-W16"
    assert len(figures.trend) == 8


def test_first_week_on_record_has_no_comparison(testland: Area) -> None:
    figures = compute_figures(history(), W20, testland)
    assert not figures.has_previous
    assert figures.totals.previous_cases is None
    assert figures.totals.case_change.pct is None
    assert all(d.previous is None and d.decline_streak == 0 for d in figures.districts)
    assert figures.rising == () and figures.falling == () and figures.streaks == ()
    assert figures.falling_type is None and figures.alert is None
    assert [str(p.week) for p in figures.trend] == ["2026-W20"]


def test_later_weeks_do_not_count(testland: Area) -> None:
    figures = compute_figures(history(), W22, testland)
    assert figures.totals.cases == 12
    assert figures.district("a").decline_streak == 2  # 5 > 4 > 3; W23 is ignored


def test_an_empty_week_after_cases(testland: Area) -> None:
    figures = compute_figures(history(), W23.shift(1), testland)
    assert (figures.totals.cases, figures.totals.previous_cases) == (0, 10)
    assert figures.totals.case_change.pct == -100
    assert figures.top_districts == () and figures.hot_towns == () and figures.types == ()
    assert figures.major_types == () and figures.alert is None
    # every district fell to 0: b by 6, then a and c by 2 each (a first in the file)
    assert [d.district for d in figures.falling] == ["b", "a", "c"]
    assert [(d.district, d.decline_streak) for d in figures.streaks] == [("a", 4), ("c", 2)]
    assert figures.falling_type.scam_type == "investment"  # 5 → 0


def test_a_week_after_an_empty_week_rises_from_zero(testland: Area) -> None:
    cases = [*history(), case("late", W23.shift(2).monday, "b")]
    figures = compute_figures(cases, W23.shift(2), testland)
    assert figures.totals.previous_cases == 0
    assert figures.totals.case_change.pct is None  # no percentage from zero
    assert figures.totals.case_change.delta == 1
    assert [d.district for d in figures.rising] == ["b"]


def test_no_cases_at_all(testland: Area) -> None:
    figures = compute_figures([], W23, testland)
    assert figures.totals.cases == 0 and not figures.has_previous
    assert len(figures.districts) == 4 and all(d.rank == 1 for d in figures.districts)


def test_history_start_from_the_database_overrides_the_cases_given(testland: Area) -> None:
    figures = compute_figures(week23(), W23, testland, history_start=W21.monday)
    assert figures.has_previous
    assert figures.totals.previous_cases == 0  # W22's cases were not passed in: an empty week
    assert figures.district("b").previous == 0


def test_synthetic_cases_are_flagged(testland: Area) -> None:
    assert not compute_figures(week22(), W22, testland).synthetic
    demo = [case("DEMO-testland-1", W22.monday, "a")]
    assert compute_figures(demo, W22, testland).synthetic


def test_top_with_ties_edge_cases() -> None:
    assert top_with_ties([5, 4, 4, 4, 1], 2, float) == (5, 4, 4, 4)
    assert top_with_ties([3, 0, 0], 3, float) == (3,)
    assert top_with_ties([], 3, float) == ()


def test_iso_week_boundaries_are_monday_to_sunday(testland: Area) -> None:
    sunday_late = case("sun", IsoWeek(2026, 23).sunday, "a")
    monday_next = case("mon", IsoWeek(2026, 24).monday, "a")
    figures = compute_figures([sunday_late, monday_next], IsoWeek(2026, 23), testland)
    assert figures.totals.cases == 1
