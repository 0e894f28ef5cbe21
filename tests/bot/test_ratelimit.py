"""Per-client token buckets on the injected clock."""

from __future__ import annotations

from datetime import timedelta

from bot.intake.ratelimit import RateLimiter
from bot.playbook.forms import RateLimit
from tests.conftest import NOW


def test_rate_limit_allows_a_burst_then_asks_to_wait() -> None:
    limiter = RateLimiter()
    rate = RateLimit(count=3, seconds=60)
    assert [limiter.wait(("f", "1.2.3.4"), rate, NOW) for _ in range(3)] == [0, 0, 0]
    assert limiter.wait(("f", "1.2.3.4"), rate, NOW) == 20
    assert limiter.wait(("f", "5.6.7.8"), rate, NOW) == 0  # another client has its own bucket


def test_rate_limit_refills_with_time() -> None:
    limiter = RateLimiter()
    rate = RateLimit(count=2, seconds=60)
    for _ in range(2):
        limiter.wait(("f", "ip"), rate, NOW)
    assert limiter.wait(("f", "ip"), rate, NOW + timedelta(seconds=10)) == 20
    assert limiter.wait(("f", "ip"), rate, NOW + timedelta(seconds=30)) == 0
    assert limiter.wait(("f", "ip"), rate, NOW + timedelta(seconds=30)) == 30


def test_refused_posts_do_not_drain_the_bucket_further() -> None:
    limiter = RateLimiter()
    rate = RateLimit(count=1, seconds=60)
    limiter.wait(("f", "ip"), rate, NOW)
    for _ in range(50):
        limiter.wait(("f", "ip"), rate, NOW)
    assert limiter.wait(("f", "ip"), rate, NOW + timedelta(seconds=60)) == 0


def test_limiter_forgets_clients_whose_bucket_is_full_again() -> None:
    limiter = RateLimiter(max_clients=10)
    rate = RateLimit(count=5, seconds=60)
    for n in range(10):
        limiter.wait(("f", f"10.0.0.{n}"), rate, NOW)
    limiter.wait(("f", "10.0.1.1"), rate, NOW + timedelta(minutes=2))
    assert len(limiter) == 1
