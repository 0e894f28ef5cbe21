"""Running one job from two threads at the same moment, as two replicas would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(job: Callable[[], T], *, times: int = 2) -> tuple[list[T], list[BaseException]]:
    """Start `job` in `times` threads released together; what each returned, and what each
    raised (for the test to assert on)."""
    start = threading.Barrier(times)
    done: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            done.append(job())
        except BaseException as error:  # surfaced by the caller's assertion
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return done, errors
