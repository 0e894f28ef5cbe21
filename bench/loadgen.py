"""The benchmark's HTTP client, in a process of its own (`python -m bench.loadgen`).

It reads one JSON job per line on stdin and answers one JSON line on stdout:

    job:    {"base_url", "token", "concurrency", "requests": [[method, path, body|null], ...],
             "rate"?: requests per second (default: as fast as the server answers)}
    answer: {"results": [[sent, done, status, body|null], ...], "wall", "cpu"}

`concurrency` threads, each with its own keep-alive `httpx.Client`, take the next request from
the shared list until it is empty; every request goes through the same code (JSON body or none,
JSON answer decoded), so the client's own cost is the same for a health check and a lead. `sent`
and `done` are `time.monotonic()` just before the request and just after the full answer.
The clock starts once every thread has opened its connection (one unmeasured GET /healthz).
Outside the server's process the client does not compete with the server for the GIL.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from typing import Any

import httpx


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    requests: list[list[Any]] = job["requests"]
    concurrency = int(job["concurrency"])
    headers = {"Authorization": f"Bearer {job['token']}"}
    results: list[list[Any] | None] = [None] * len(requests)
    taken = itertools.count()  # next() on a count is atomic under the GIL
    # An optional steady arrival rate: request i is sent no earlier than t0 + i / rate.
    rate = float(job.get("rate") or 0)
    t0: list[float] = []
    ready = threading.Barrier(concurrency + 1, action=lambda: t0.append(time.monotonic()))
    keep_bodies = bool(job.get("keep_bodies", True))

    def client_thread() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(
            base_url=job["base_url"], headers=headers, timeout=60, limits=limits
        ) as client:
            client.get("/healthz")  # open the connection before the clock starts
            ready.wait()
            while (i := next(taken)) < len(requests):
                method, path, body = requests[i]
                if rate:
                    time.sleep(max(0.0, t0[0] + i / rate - time.monotonic()))
                sent = time.monotonic()
                try:
                    answer = client.request(method, path, json=body)
                    done = time.monotonic()
                    status = answer.status_code
                    decoded = answer.json()
                except httpx.HTTPError as error:
                    done, status, decoded = time.monotonic(), 0, {"error": repr(error)}
                except ValueError:  # not JSON
                    decoded = {"text": answer.text[:200]}
                results[i] = [sent, done, status, decoded if keep_bodies or status != 200 else None]

    threads = [threading.Thread(target=client_thread, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    start, cpu = time.monotonic(), time.process_time()
    for thread in threads:
        thread.join()
    end, cpu = time.monotonic(), time.process_time() - cpu
    return {"results": results, "start": start, "wall": end - start, "cpu": cpu}


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        answer = run_job(json.loads(line))
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
