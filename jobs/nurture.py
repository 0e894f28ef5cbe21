"""The nurture job: recycled leads back to sales on their revisit date, and decayed scores moved
across the threshold. Plain functions of (session, now, playbook); the scheduler only calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlmodel import Session

from bot.playbook.model import Playbook
from bot.pursuit.nurture import Rescored, rescore
from bot.pursuit.nurture import revisit as revisit_lead
from store.db import SessionFactory, session_scope
from store.nurture import rescores_due, revisits_due, scores_to_check

BATCH = 200  # leads per transaction: short transactions, so moves are not held up


@dataclass(frozen=True)
class NurtureResult:
    """What a run did: leads looked at, back to sales on their date, rescored, and moved."""

    looked_at: int = 0
    revisited: int = 0
    rescored: int = 0
    to_marketing: int = 0
    to_sales: int = 0

    def __add__(self, other: NurtureResult) -> NurtureResult:
        return NurtureResult(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def sent(self) -> bool:
        """Whether the run queued Slack messages (the outbox is then worth waking)."""
        return bool(self.revisited or self.to_marketing or self.to_sales)

    def words(self) -> str:
        """'2 back from their revisit date, 3 rescored (1 back to marketing, 0 to sales)'."""
        return (
            f"{self.revisited} back from their revisit date, {self.rescored} rescored "
            f"({self.to_marketing} back to marketing, {self.to_sales} to sales)"
        )


def revisit(
    session: Session, now: datetime, playbook: Playbook, limit: int = BATCH
) -> NurtureResult:
    """Bring back up to `limit` recycled leads whose revisit date has come by `now`. The caller
    commits."""
    leads = revisits_due(session=session, now=now, limit=limit)
    back = sum(
        revisit_lead(session=session, lead=lead, playbook=playbook, now=now) for lead in leads
    )
    return NurtureResult(looked_at=len(leads), revisited=back)


def decay(session: Session, now: datetime, playbook: Playbook, limit: int = BATCH) -> NurtureResult:
    """Rescore up to `limit` leads whose rescore time has come by `now` and move them as the
    playbook says. The caller commits."""
    leads = rescores_due(session=session, now=now, limit=limit)
    outcomes = [rescore(session=session, lead=lead, playbook=playbook, now=now) for lead in leads]
    return _counted(len(leads), outcomes)


def catch_up(
    session: Session, now: datetime, playbook: Playbook, *, after_id: int = 0, limit: int = BATCH
) -> tuple[NurtureResult, int]:
    """After the playbook changed: rescore the nurtured leads (without a revisit date) whose
    stored score reaches the threshold, and every unclaimed sales-ready lead, with ids after
    `after_id`; each moves to its side of the threshold and gets its rescore time. Returns what
    it did and the last id looked at (None left: 0). The caller commits."""
    leads = scores_to_check(
        session=session, threshold=playbook.scoring.threshold, after_id=after_id, limit=limit
    )
    outcomes = [
        rescore(session=session, lead=lead, playbook=playbook, now=now, record=False)
        for lead in leads
    ]
    last = (leads[-1].id or 0) if len(leads) == limit else 0
    return _counted(len(leads), outcomes), last


def _counted(looked_at: int, outcomes: list[Rescored]) -> NurtureResult:
    return NurtureResult(
        looked_at=looked_at,
        rescored=sum(o is not Rescored.UNTOUCHED for o in outcomes),
        to_marketing=outcomes.count(Rescored.TO_MARKETING),
        to_sales=outcomes.count(Rescored.TO_SALES),
    )


def run_nurture(
    *,
    session_factory: SessionFactory,
    playbook: Playbook,
    now: datetime,
    catch_up_scores: bool = False,
) -> NurtureResult:
    """Revisit, then rescore, in batches, each its own transaction, until nothing is due; with
    `catch_up_scores`, then the catch-up (see `catch_up`). Returns what was done."""
    total = NurtureResult()
    for step in (revisit, decay):
        while True:
            with session_scope(session_factory) as session:
                done = step(session, now, playbook)
            total += done
            if done.looked_at < BATCH:
                break
    after = 0
    while catch_up_scores:
        with session_scope(session_factory) as session:
            done, after = catch_up(session, now, playbook, after_id=after)
        total += done
        catch_up_scores = after != 0
    return total
