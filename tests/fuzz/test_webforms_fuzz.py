"""POST /f/{key} with whatever a page (or a script) posts: never a 5xx, a lead only when taken."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlencode

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.checks import describe, field_errors_of, row_counts
from tests.fuzz.strategies import any_text, form_pairs, raw_form_bodies
from tests.handlers.conftest import Harness

SITE = "https://www.acme-analytics.example"
FORM = "contact-sales"
URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}
REFUSED = (400, 403, 404, 413, 415, 429)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Accept": st.sampled_from(["application/json", "text/html", "*/*"]),
        "Origin": st.sampled_from(
            [SITE, "null", "https://evil.example", "", b"https://\xc3\xa9.de"]
        ),
        "Referer": st.sampled_from(["https://www.acme-analytics.example/contact", "javascript:x"]),
    },
)


def _check(harness: Harness, send: httpx.Request) -> None:
    # Each example is a new visitor as far as the rate limit goes: an hour has passed.
    harness.clock.advance(timedelta(hours=1))
    before = row_counts(harness.factory)
    answer = harness.http.send(send)
    assert answer.status_code in (200, 201, 202, 303, *REFUSED), describe(answer)
    after = row_counts(harness.factory)
    wants_json = "application/json" in send.headers.get("accept", "")
    if answer.status_code in REFUSED or answer.status_code == 202:  # 202: the honeypot
        assert after == before, "a refused post wrote something"
        if wants_json and answer.status_code != 202:
            field_errors_of(answer)
        elif answer.status_code != 202:  # a person is shown a page that says what to fix
            assert answer.headers["content-type"].startswith("text/html"), describe(answer)
        return
    grew = after["Lead"] - before["Lead"]
    if answer.status_code == 201:
        assert grew == 1
    elif wants_json:
        assert grew == 0  # merged into the person's lead
    else:
        assert grew in (0, 1)  # a page cannot tell new from merged (or from a filled honeypot)


def test_any_form_fields_are_answered_without_a_server_error(harness: Harness) -> None:
    @given(
        pairs=form_pairs,
        key=st.one_of(
            st.just(FORM),
            st.just(FORM),
            any_text.filter(lambda k: "/" not in k and k not in ("", ".", "..")),
        ),
        extra=headers,
        multipart=st.booleans(),
    )
    def post(
        pairs: list[tuple[str, str]], key: str, extra: dict[str, str | bytes], multipart: bool
    ) -> None:
        url = f"/f/{quote(key, safe='')}"
        if multipart:  # (None, value): a text input, as a browser sends it in multipart
            inputs = [(name, (None, value)) for name, value in pairs] or [("website", (None, ""))]
            send = harness.http.build_request("POST", url, files=inputs, headers=extra)
        else:
            send = harness.http.build_request(
                "POST", url, content=urlencode(pairs), headers={**extra, **URLENCODED}
            )
        _check(harness, send)

    post()


def test_any_bytes_as_a_form_are_answered_without_a_server_error(harness: Harness) -> None:
    @given(
        body=raw_form_bodies,
        kind=st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=latin-1",
                "multipart/form-data; boundary=xyz",
                "multipart/form-data",
                "text/plain",
                "",
            ]
        ),
        extra=headers,
    )
    def post(body: bytes, kind: str, extra: dict[str, str | bytes]) -> None:
        send = harness.http.build_request(
            "POST", f"/f/{FORM}", content=body, headers={**extra, "Content-Type": kind}
        )
        _check(harness, send)

    post()
