"""The benchmark's load generator reads real HTTP/1.1 answers the way the benchmark needs them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bench.loadgen import encode_request, run_job


class _Handler(BaseHTTPRequestHandler):
    """Echoes what it got as JSON; a few paths answer the awkward ways HTTP allows."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._answer(None)

    def do_POST(self) -> None:
        self._answer(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def _answer(self, body: Any) -> None:
        self.server.peers.add(self.client_address)
        if self.path == "/hangup":
            self.close_connection = True
            return
        echo = {"path": self.path, "auth": self.headers["Authorization"], "body": body}
        payload = b"not json" if self.path == "/text" else json.dumps(echo).encode()
        self.send_response(201 if body is not None else 200)
        if self.path == "/chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = len(payload) // 2
            for part in (payload[:half], payload[half:], b""):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            return
        self.send_header("Content-Length", str(len(payload)))
        if self.path == "/close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    peers: set[tuple[str, int]]


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.peers = set()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _run(server: _Server, requests: list[list[Any]], concurrency: int = 1) -> list[list[Any]]:
    host, port = server.server_address[:2]
    job = {"base_url": f"http://{host}:{port}", "token": "tok", "concurrency": concurrency,
           "requests": requests}  # fmt: skip
    answer = run_job(job)
    assert answer["wall"] > 0 and answer["cpu"] >= 0
    return answer["results"]  # type: ignore[no-any-return]


def test_encoded_post_carries_token_and_json_body_with_its_length() -> None:
    request = encode_request("POST", "/api/leads", {"name": "Zoë"}, host="h:1", token="tok")
    head, body = request.split(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"POST /api/leads HTTP/1.1"
    assert b"Authorization: Bearer tok" in head and b"Host: h:1" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert json.loads(body) == {"name": "Zoë"}


def test_encoded_get_has_no_body() -> None:
    request = encode_request("GET", "/healthz", None, host="h:1", token="tok")
    assert request.endswith(b"\r\n\r\n") and b"Content-Length" not in request


def test_every_request_is_answered_in_its_place_with_status_and_decoded_json(
    server: _Server,
) -> None:
    requests = [["GET", "/healthz", None] if i % 2 else ["POST", "/api/leads", {"n": i}]
                for i in range(8)]  # fmt: skip
    results = _run(server, requests, concurrency=3)
    for i, (sent, done, status, body) in enumerate(results):
        assert sent <= done
        assert (status, body["auth"]) == (200 if i % 2 else 201, "Bearer tok")
        assert body["body"] == (None if i % 2 else {"n": i})
    assert len(server.peers) == 3  # one keep-alive connection per worker


def test_chunked_answers_are_read_whole_and_closed_connections_reopened(server: _Server) -> None:
    requests = [["GET", p, None] for p in ("/chunked", "/close", "/healthz", "/close", "/x")]
    results = _run(server, requests)
    assert [(status, body["path"]) for _, _, status, body in results] == [
        (200, p) for _, p, _ in requests
    ]
    assert len(server.peers) == 3


def test_a_hang_up_costs_one_request_and_text_is_kept_as_text(server: _Server) -> None:
    results = _run(server, [["GET", "/hangup", None], ["GET", "/text", None]])
    assert results[0][2] == 0 and "error" in results[0][3]
    assert results[1][2:] == [200, {"text": "not json"}]
