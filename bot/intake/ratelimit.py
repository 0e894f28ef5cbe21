"""Per-client rate limits: token buckets in memory, on the injected clock."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.playbook.forms import RateLimit


@dataclass
class _Bucket:
    tokens: float
    at: datetime
    full_at: datetime


class RateLimiter:
    """Token buckets per key (form, client) in memory: `count` posts at once, refilled evenly.

    Only the event loop calls it, so it needs no lock. Each replica counts on its own.
    """

    def __init__(self, max_clients: int = 10_000) -> None:
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._prune_at = max_clients

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, key: tuple[str, str], limit: RateLimit, now: datetime) -> int:
        """Take a token: 0 when the post may go ahead, else the seconds to wait (Retry-After)."""
        per_second = limit.count / limit.seconds
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_idle(now)
            tokens = float(limit.count)
        else:
            elapsed = max((now - bucket.at).total_seconds(), 0.0)
            tokens = min(float(limit.count), bucket.tokens + elapsed * per_second)
        # Rounded first: float dust must not turn a 20-second wait into 21.
        wait = 0 if tokens >= 1 else math.ceil(round((1 - tokens) / per_second, 6))
        tokens -= 0 if wait else 1
        full_at = now + timedelta(seconds=(limit.count - tokens) / per_second)
        self._buckets[key] = _Bucket(tokens=tokens, at=now, full_at=full_at)
        return wait

    def _forget_idle(self, now: datetime) -> None:
        """Drop clients whose bucket is full again, so memory stays bounded."""
        if len(self._buckets) < self._prune_at:
            return
        self._buckets = {k: b for k, b in self._buckets.items() if b.full_at > now}
        self._prune_at = max(self._prune_at, 2 * len(self._buckets))
