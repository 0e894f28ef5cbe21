"""FakeSlack, recording when each lead card arrives, in a process of its own.

`python -m bench.slackstub` prints the Web API base URL on its first line, then serves until its
stdin closes. Running it outside the server's process keeps the stand-in from competing with the
server for the GIL, as real Slack would not.

Arrival times are `time.monotonic()`, which on Linux, macOS and Windows is one system-wide clock,
so they compare with the send times the load generator records in its own process.

Extra methods, for the benchmarks only (bot token required, like every method):
- `bench.arrivals` -> {"cards": {lead_id: arrival}, "posts": n, "updates": n, "failed": n}
- `bench.reset` -> forget everything recorded.
- `bench.hold` -> from now on every Web API call and response_url post waits for its answer
  (FakeSlack.hold on each method it answers) until `bench.release`.
- `bench.calls` -> {"calls": {method: n}}: the calls answered so far (not the bench.* ones).
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from typing import Any

from bot.testkit.fakeslack import FakeSlack

CARD_TEXT = re.compile(r"^Sales-ready lead #(\d+):")


class TimedFakeSlack(FakeSlack):
    """FakeSlack that also notes when each lead card's chat.postMessage arrived."""

    def __init__(self) -> None:
        super().__init__()
        self._arrived = threading.local()
        self._cards: dict[int, float] = {}
        self._counts = {"posts": 0, "updates": 0, "failed": 0}
        self._methods["bench.arrivals"] = self._arrivals
        self._methods["bench.reset"] = self._reset
        self._methods["bench.hold"] = self._hold_all
        self._methods["bench.release"] = self._release_all
        self._methods["bench.calls"] = self._call_counts
        self._held: ExitStack | None = None

    def _answer(self, target: str, headers: dict[str, str], raw: bytes) -> Any:
        # The request's body has been read: it has arrived.
        self._arrived.at = time.monotonic()
        return super()._answer(target, headers, raw)

    def _dispatch(self, method: str, args: Any, authorized: bool, where: str) -> Any:
        reply, ok = super()._dispatch(method, args, authorized, where)
        if method == "chat.postMessage" and ok:
            self._counts["posts"] += 1
            found = CARD_TEXT.match(str(args.get("text") or ""))
            if found:
                self._cards.setdefault(int(found.group(1)), self._arrived.at)
        elif method == "chat.update" and ok:
            self._counts["updates"] += 1
        elif not ok and not method.startswith("bench."):
            self._counts["failed"] += 1
        return reply, ok

    def _arrivals(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "cards": {str(k): v for k, v in self._cards.items()}, **self._counts}

    def _reset(self, args: dict[str, Any]) -> dict[str, Any]:
        self._cards.clear()
        self._counts = dict.fromkeys(self._counts, 0)
        with self._lock:
            self._calls.clear()
        return {"ok": True}

    def _hold_all(self, args: dict[str, Any]) -> dict[str, Any]:
        if self._held is None:
            self._held = ExitStack()
            # Every Web API method FakeSlack answers, and response URLs.
            methods = [m for m in self._methods if not m.startswith("bench.")]
            for method in [*methods, "response_url"]:
                self._held.enter_context(self.hold(method))
        return {"ok": True}

    def _release_all(self, args: dict[str, Any]) -> dict[str, Any]:
        if self._held is not None:
            self._held.close()
            self._held = None
        return {"ok": True}

    def _call_counts(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            counts = Counter(c.method for c in self._calls if not c.method.startswith("bench."))
        return {"ok": True, "calls": dict(counts)}


def main() -> None:
    with TimedFakeSlack() as fake:
        print(fake.url, flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin


if __name__ == "__main__":
    main()
