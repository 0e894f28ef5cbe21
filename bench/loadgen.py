"""The benchmark's HTTP client, in a process of its own (`python -m bench.loadgen`).

It reads one JSON job per line on stdin and answers one JSON line on stdout:

    job:    {"base_url", "token", "concurrency", "requests": [[method, path, body|null], ...],
             "rate"?: requests per second (default: as fast as the server answers)}
    answer: {"results": [[sent, done, status, body|null], ...], "wall", "cpu"}

The client must cost little, or on a small machine it takes the CPU the server needs and the
baseline measures the client (httpx cost ~0.5 ms of CPU a request, as much as a health check on
the server). So every request is encoded to bytes once, before the clock starts (HTTP/1.1 head,
bearer token, compact JSON body); `concurrency` threads, each with one keep-alive connection on a
plain blocking socket, take the next request from the shared list until it is empty, send its
bytes and read the answer with httptools (uvicorn's own HTTP parser, a C library). Every answer
is decoded as JSON by the same code, a health check's as a lead's (a few µs), so the client's
cost is the same in both phases. `sent` and `done` are `time.monotonic()` just before sending
and just after the whole answer arrived. The clock starts once every thread has opened its
connection (one unmeasured GET /healthz). Outside the server's process the client does not
compete with the server for the GIL.
"""

from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httptools

TIMEOUT = 60.0  # seconds for connecting, sending, or each wait for the answer's next bytes
# Errors that cost one request, not the run: the connection is closed and the next one reopens.
REQUEST_ERRORS = (OSError, httptools.HttpParserError)


def encode_request(method: str, path: str, body: Any, *, host: str, token: str) -> bytes:
    """One HTTP/1.1 request (keep-alive by default) as bytes to send: bearer token, JSON body."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
    if body is None:
        return f"{head}\r\n".encode("ascii")
    # What httpx sent for json=: compact UTF-8.
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    return head.encode("ascii") + payload


class _Answer:
    """One response as httptools reads it, through the callbacks below."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.complete = False
        self.status = 0
        self.keep_alive = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        # Read them now: once the message is done the parser resets (keep-alive then says no).
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        self.complete = True


class Connection:
    """One keep-alive HTTP/1.1 connection on a blocking socket, opened when first needed."""

    def __init__(self, host: str, port: int, timeout: float = TIMEOUT) -> None:
        self._address = (host, port)
        self._timeout = timeout  # for connecting, sending, and each wait for the answer's bytes
        self._sock: socket.socket | None = None

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one encoded request and read its whole answer: (status, body)."""
        answer = _Answer()
        try:
            if self._sock is None:
                self._sock = socket.create_connection(self._address, timeout=self._timeout)
                # Small requests, one at a time: don't let Nagle hold the body back.
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock.sendall(request)
            while not answer.complete:
                data = self._sock.recv(65536)
                if not data:
                    raise ConnectionError("the server closed the connection before answering")
                answer.parser.feed_data(data)
        except BaseException:
            self.close()
            raise
        if not answer.keep_alive:
            self.close()
        return answer.status, b"".join(answer.body)

    def close(self) -> None:
        """Close the socket; the next exchange opens a new one."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def decode(body: bytes) -> Any:
    """The answer's JSON, or its first 200 characters when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return {"text": body[:200].decode("utf-8", "replace")}


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    url = urlsplit(job["base_url"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    encode = {"host": url.netloc, "token": job["token"]}
    warm_up = encode_request("GET", "/healthz", None, **encode)
    requests = [
        encode_request(method, path, body, **encode) for method, path, body in job["requests"]
    ]
    concurrency = int(job["concurrency"])
    results: list[list[Any] | None] = [None] * len(requests)
    taken = itertools.count()  # next() on a count is atomic under the GIL
    # An optional steady arrival rate: request i is sent no earlier than t0 + i / rate.
    rate = float(job.get("rate") or 0)
    t0: list[float] = []
    ready = threading.Barrier(concurrency + 1, action=lambda: t0.append(time.monotonic()))
    keep_bodies = bool(job.get("keep_bodies", True))

    def client_thread() -> None:
        connection = Connection(host, port)
        try:
            connection.exchange(warm_up)  # open the connection before the clock starts
        except BaseException:
            ready.abort()  # the job fails with this thread's traceback instead of hanging
            raise
        ready.wait()
        while (i := next(taken)) < len(requests):
            if rate:
                time.sleep(max(0.0, t0[0] + i / rate - time.monotonic()))
            sent = time.monotonic()
            try:
                status, body = connection.exchange(requests[i])
                done = time.monotonic()
                decoded = decode(body)
            except REQUEST_ERRORS as error:
                done, status, decoded = time.monotonic(), 0, {"error": repr(error)}
            results[i] = [sent, done, status, decoded if keep_bodies or status != 200 else None]
        connection.close()

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
