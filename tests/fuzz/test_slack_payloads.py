"""Signed Slack payloads mutated from real ones: never a 5xx, never an incident, and a refused
body (4xx) is logged in one line and answered by no call to the response_url it names."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.ids import ActionId, CallbackId, LeadRef
from bot.testkit.payloads import block_action, event_callback, slash_command, view_submission
from store.db import session_scope
from tests.factories import make_lead
from tests.handlers.conftest import Harness

REP = "U0REPEMEA1"
FORM = "application/x-www-form-urlencoded"
NOT_LEADBOT = ("httpx", "httpcore", "uvicorn")

#: The root of a payload, as a path: a mutation there replaces the whole payload.
ROOT: tuple[str | int, ...] = ()

Base = Callable[[Harness, int], tuple[str, Any]]  # (how Slack sends it, payload)


def _payload(body: str) -> Any:
    return json.loads(parse_qs(body)["payload"][0])


def _click(harness: Harness, lead_id: int) -> tuple[str, Any]:
    body, _ = block_action(
        user_id=REP,
        action_id=ActionId.CLAIM,
        value=LeadRef(lead_id=lead_id).model_dump_json(),
        channel="C0EMEA0001",
        message_ts="1.000100",
        response_url=harness.fake.response_url(REP),
    )
    return "interaction", _payload(body)


def _command(text: str) -> Base:
    def build(harness: Harness, lead_id: int) -> tuple[str, Any]:
        body, _ = slash_command(user_id=REP, text=text.format(lead_id), channel="C0EMEA0001",
                                response_url=harness.fake.response_url(REP))  # fmt: skip
        return "command", {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    return build


def _submission(harness: Harness, lead_id: int) -> tuple[str, Any]:
    values = {
        "new.email": {"value": {"type": "plain_text_input", "value": f"ana{lead_id}@example.com"}},
        "new.name": {"value": {"type": "plain_text_input", "value": "Ana Ruiz"}},
        "new.country": {"value": {"type": "static_select", "selected_option": {"value": "DE"}}},
        "new.fast_track": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    body, _ = view_submission(user_id=REP, callback_id=CallbackId.NEW_LEAD, values=values,
                              private_metadata='{"channel_id": "C0EMEA0001"}')  # fmt: skip
    return "interaction", _payload(body)


def _home_opened(harness: Harness, lead_id: int) -> tuple[str, Any]:
    body, _ = event_callback(
        event={"type": "app_home_opened", "user": REP, "tab": "home"}, event_id=f"Ev{lead_id}"
    )
    return "event", json.loads(body)


def _url_verification(harness: Harness, lead_id: int) -> tuple[str, Any]:
    return "event", {"token": "legacy", "challenge": "3eZbrw1aBm2r", "type": "url_verification"}


BASES: list[Base] = [
    _click,
    _command("claim {}"),
    _command("show {}"),
    _command("new"),
    _command("help"),
    _submission,
    _home_opened,
    _url_verification,
]

#: Text as Slack clients send it (lone surrogates cannot be form-encoded; tests/bot covers them).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
#: What a field is set to: null, empty or wrong-typed containers, numbers, booleans, random text.
VALUES = st.one_of(
    st.none(),
    st.just([]),
    st.just({}),
    st.integers(-(2**63), 2**63),
    st.booleans(),
    TEXT,
    st.lists(TEXT, max_size=2),
    st.dictionaries(TEXT, TEXT, max_size=2),
)


def _paths(node: Any, here: tuple[str | int, ...] = ROOT) -> Iterator[tuple[str | int, ...]]:
    """Every place in the payload a mutation can hit, the root included."""
    yield here
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*here, index))


def _mutated(payload: Any, path: tuple[str | int, ...], drop: bool, value: Any) -> Any:
    """`payload` with the field at `path` dropped (a key) or set to `value`."""
    if path == ROOT:
        return value
    changed = copy.deepcopy(payload)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if drop and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = value
    return changed


def _encoded(kind: str, payload: Any) -> tuple[str, str]:
    """The request as Slack would send it: a command's fields as a form (as JSON once a field is
    not text: a form cannot say null or 5), an interaction as JSON in a form, an event as JSON."""
    if kind == "command" and isinstance(payload, dict):
        if all(isinstance(v, str) for v in payload.values()):
            return urlencode(payload), FORM
        return json.dumps(payload), "application/json"
    if kind == "interaction":
        return urlencode({"payload": json.dumps(payload)}), FORM
    return json.dumps(payload), "application/json"


def _leadbot_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if not r.name.startswith(NOT_LEADBOT)]


def test_mutated_slack_payloads_are_answered_calmly(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with session_scope(harness.factory) as session:
        lead_id = make_lead(session).id
    assert lead_id is not None

    @given(
        base=st.sampled_from(BASES),
        mutations=st.lists(
            st.tuples(st.integers(min_value=0), st.booleans(), VALUES), min_size=1, max_size=3
        ),
    )
    def one_request(base: Base, mutations: list[tuple[int, bool, Any]]) -> None:
        kind, payload = base(harness, lead_id)
        for where, drop, value in mutations:
            paths = list(_paths(payload))
            payload = _mutated(payload, paths[where % len(paths)], drop, value)
        caplog.clear()
        replies_before = len(harness.fake.calls_to("response_url"))
        answer = harness.slack(*_encoded(kind, payload))
        lines = _leadbot_lines(caplog)
        assert answer.status_code < 500, lines
        assert not any("incident" in line for line in lines), lines
        if answer.status_code >= 400:
            assert len(harness.fake.calls_to("response_url")) == replies_before
            assert len(lines) == 1, lines

    one_request()
