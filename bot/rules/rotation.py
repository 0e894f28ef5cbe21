"""Whom to offer a lead nobody claimed: a fair rotation over the team's available reps.

Fairness is counted, not remembered as a position in a list: a rep's share is the leads they
were offered in a rolling window, per business day they were available in it, divided by their
weight. So adding or removing a rep changes nothing for the others (there is no pointer to
reset), and a rep back from two weeks off is not owed two weeks of leads: they were available
one day of the window, so they get about a day's worth today, like everyone else (no flood).
Ties go to a hash of the lead and the rep, so the first-listed rep is not favoured. Who is
eligible (active in Slack, not away, under their cap, not someone who passed on this lead) is
decided here too; when nobody is, the answer is None and the lead goes to the manager rather
than waiting forever.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Rep:
    """A rep as the rotation sees them for one decision."""

    user_id: str
    weight: float = 1.0  # 2.0 takes twice the leads, 0.5 half
    offered_recently: int = 0  # offers in the rolling window (the playbook's fairness window)
    available_days: float = 1.0  # business days of the window they were available (at least 1)
    open_leads: int = 0
    cap: int | None = None  # open leads at most; None: no cap
    away: bool = False  # `/lead away until …`
    active: bool = True  # False: deactivated in Slack
    passed: bool = False  # passed on (or let time out) this very lead

    @property
    def eligible(self) -> bool:
        under_cap = self.cap is None or self.open_leads < self.cap
        return self.active and not self.away and not self.passed and under_cap and self.weight > 0

    @property
    def share(self) -> float:
        return self.offered_recently / max(self.available_days, 1.0) / self.weight


def next_rep(reps: Sequence[Rep], *, lead_id: int) -> str | None:
    """The rep to offer lead `lead_id` to next, or None when nobody can take it."""
    eligible = [rep for rep in reps if rep.eligible]
    if not eligible:
        return None
    chosen = min(eligible, key=lambda rep: (rep.share, _tiebreak(lead_id, rep)))
    return chosen.user_id


def spread(reps: Sequence[Rep], lead_ids: Iterable[int]) -> dict[int, str | None]:
    """Whom each of many leads (an import of 500) goes to, each offer counted before the next."""
    current = {rep.user_id: rep for rep in reps}
    chosen: dict[int, str | None] = {}
    for lead_id in lead_ids:
        user_id = next_rep(list(current.values()), lead_id=lead_id)
        chosen[lead_id] = user_id
        if user_id is not None:
            rep = current[user_id]
            current[user_id] = replace(
                rep, offered_recently=rep.offered_recently + 1, open_leads=rep.open_leads + 1
            )
    return chosen


def _tiebreak(lead_id: int, rep: Rep) -> bytes:
    """A stable draw per (lead, rep): no rep wins every tie by where the playbook lists them."""
    return hashlib.blake2b(f"{lead_id}:{rep.user_id}".encode(), digest_size=8).digest()
