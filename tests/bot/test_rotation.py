"""The rotation behind offers: what users of other lead routers complain about, each a test."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.rotation import Rep, next_rep, spread

ANA, BEN, CAT, DAN = "U0ANA", "U0BEN", "U0CAT", "U0DAN"


def test_it_never_picks_a_deactivated_rep_one_away_or_one_at_their_cap() -> None:
    reps = [
        Rep(ANA, active=False),
        Rep(BEN, away=True),
        Rep(CAT, open_leads=5, cap=5),
        Rep(DAN, offered_recently=40),
    ]
    assert {next_rep(reps, lead_id=n) for n in range(50)} == {DAN}


def test_a_rep_who_passed_never_gets_the_lead_back() -> None:
    reps = [Rep(ANA, passed=True), Rep(BEN, offered_recently=9)]
    assert next_rep(reps, lead_id=7) == BEN


def test_a_lead_nobody_can_take_goes_to_the_manager() -> None:
    reps = [Rep(ANA, away=True), Rep(BEN, passed=True), Rep(CAT, cap=0)]
    assert next_rep(reps, lead_id=1) is None
    assert next_rep([], lead_id=1) is None


def test_the_least_served_rep_comes_next() -> None:
    reps = [
        Rep(ANA, offered_recently=3),
        Rep(BEN, offered_recently=1),
        Rep(CAT, offered_recently=2),
    ]
    assert next_rep(reps, lead_id=1) == BEN


def test_ties_do_not_favour_the_first_listed_rep() -> None:
    level = [Rep(ANA), Rep(BEN), Rep(CAT), Rep(DAN)]
    firsts = Counter(next_rep(level, lead_id=n) for n in range(400))
    assert set(firsts) == {ANA, BEN, CAT, DAN}
    assert max(firsts.values()) < 2 * min(firsts.values())  # roughly a quarter each


def test_500_leads_from_one_import_spread_evenly() -> None:
    chosen = spread([Rep(ANA), Rep(BEN), Rep(CAT)], range(1, 501))
    counts = Counter(chosen.values())
    assert sorted(counts.values()) == [166, 167, 167]


def test_weights_give_twice_or_half_the_leads() -> None:
    chosen = spread([Rep(ANA, weight=2.0), Rep(BEN), Rep(CAT, weight=0.5)], range(1, 351))
    counts = Counter(chosen.values())
    assert (counts[ANA], counts[BEN], counts[CAT]) == (200, 100, 50)


def test_adding_a_rep_does_not_reset_the_rotation() -> None:
    before = [Rep(ANA, offered_recently=10), Rep(BEN, offered_recently=11)]
    assert next_rep(before, lead_id=1) == ANA
    after = [*before, Rep(CAT, offered_recently=10)]  # joins, level with the least served
    picks = Counter(spread(after, range(1, 31)).values())
    assert picks[BEN] >= 9  # Ben is not starved because Cat joined, nor Ana reset to zero
    assert abs(picks[ANA] - picks[CAT]) <= 1


def test_a_rep_back_from_two_weeks_off_is_not_flooded() -> None:
    # A 5-day window: Ana and Ben had 30 leads each in it (6 a day); Cat is back today.
    team = [
        Rep(ANA, offered_recently=30, available_days=5),
        Rep(BEN, offered_recently=30, available_days=5),
        Rep(CAT, available_days=1),
    ]
    picks = Counter(spread(team, range(1, 19)).values())  # a day's leads: 6 each
    assert picks[CAT] <= 7  # about a day's worth, like the others: not all 18
    assert picks[ANA] >= 5 and picks[BEN] >= 5


def test_removing_a_rep_leaves_the_others_shares_as_they_were() -> None:
    team = [
        Rep(ANA, offered_recently=5),
        Rep(BEN, offered_recently=7),
        Rep(CAT, offered_recently=6),
    ]
    without_ana = [rep for rep in team if rep.user_id != ANA]
    assert next_rep(without_ana, lead_id=3) == CAT


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    shares=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=6),
    lead_id=st.integers(min_value=1, max_value=10**9),
)
def test_the_pick_is_always_an_eligible_rep_with_the_least_share(
    shares: list[int], lead_id: int
) -> None:
    reps = [Rep(f"U{n}", offered_recently=share) for n, share in enumerate(shares)]
    picked = next_rep(reps, lead_id=lead_id)
    assert picked is not None
    assert dict((r.user_id, r.offered_recently) for r in reps)[picked] == min(shares)
