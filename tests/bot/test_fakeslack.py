"""The fake Slack Web API, exercised through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testkit.fakeslack import FakeSlack

CARD: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "New lead: Greta Maier"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*BigCorp* &lt;VP Operations&gt;"},
        "fields": [{"type": "mrkdwn", "text": "*Score*\n72"}],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "via web form"}]},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Claim"}, "action_id": "c"}
        ],
    },
]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def test_post_and_update_are_recorded_in_the_channel(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0SALES", text="New lead", blocks=CARD)
    client.chat_update(channel="C0SALES", ts=posted["ts"], text="Claimed", blocks=CARD[:1])

    [message] = fake.messages("C0SALES")
    assert posted["ts"] == message.ts == "1700000000.000100"
    assert (message.text, message.blocks, message.edits) == ("Claimed", CARD[:1], 1)
    assert [call.method for call in fake.calls] == ["chat.postMessage", "chat.update"]
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == CARD


def test_timestamps_increase(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="one")["ts"]
    second = client.chat_postMessage(channel="C1", text="two")["ts"]
    assert float(second) > float(first)


def test_form_encoded_blocks_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage", params={"channel": "C1", "text": "x", "blocks": json.dumps(CARD)}
    )
    assert fake.messages("C1")[0].blocks == CARD


def test_a_post_to_a_user_id_lands_in_their_dm(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postMessage(channel="U0REP0001", text="Your lead is waiting")
    assert answer["channel"] == "D0REP0001"
    assert [m.text for m in fake.messages("U0REP0001")] == ["Your lead is waiting"]


def test_ephemeral_is_recorded_for_its_user(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C1", user="U0REP0001", text="Only you")
    assert answer["message_ts"]
    [note] = fake.ephemerals
    assert (note.channel, note.user, note.text) == ("C1", "U0REP0001", "Only you")
    assert fake.messages("C1") == []


def test_response_url_answers_are_recorded_as_ephemerals(fake: FakeSlack) -> None:
    body = json.dumps({"text": "You claimed it", "response_type": "ephemeral"}).encode()
    request = urllib.request.Request(
        fake.response_url("U0REP0001", "C1"),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
    [note] = fake.ephemerals
    assert (note.channel, note.user, note.text) == ("C1", "U0REP0001", "You claimed it")
    assert fake.responses_to("U0REP0001") == [
        {"text": "You claimed it", "response_type": "ephemeral"}
    ]
    assert fake.responses_to("U0OTHER01") == []


def test_views_are_recorded_with_an_id(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": CARD}
    view = client.views_publish(user_id="U0REP0001", view=home)["view"]
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Lead"}, "blocks": []}
    opened = client.views_open(trigger_id="1.2.trigger", view=modal)["view"]
    client.views_update(view_id=opened["id"], view=modal | {"blocks": CARD[:1]})
    assert view["id"] and opened["id"] != view["id"]
    assert [(v.method, v.id) for v in fake.views] == [
        ("views.publish", view["id"]),
        ("views.open", opened["id"]),
        ("views.update", opened["id"]),
    ]


@freeze_time("2026-11-23 10:00:00")
def test_users_info_gives_a_berlin_time_zone(client: WebClient) -> None:
    user = client.users_info(user="U0REP0001")["user"]
    assert (user["tz"], user["tz_offset"]) == ("Europe/Berlin", 3600)


def test_auth_test_names_the_bot(client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"]) == ("T0FAKE0001", "U0LEADBOT1")


def test_requests_without_a_token_are_not_authed(fake: FakeSlack) -> None:
    error = slack_error(
        lambda: WebClient(base_url=fake.url).chat_postMessage(channel="C1", text="x")
    )
    assert error.response["error"] == "not_authed"
    assert fake.messages("C1") == []


def test_unknown_methods_are_refused(client: WebClient) -> None:
    error = slack_error(lambda: client.api_call("chat.teleport"))
    assert error.response["error"] == "unknown_method"


def test_a_message_needs_text_or_blocks(client: WebClient) -> None:
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns too, before sending
        error = slack_error(lambda: client.chat_postMessage(channel="C1", text=""))
    assert error.response["error"] == "no_text"


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "divider"}] * 51,
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}],
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [{"type": "actions", "elements": [{"type": "button", "text": {"text": "x" * 76}}]}],
        [{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}],
        [{"type": "actions", "elements": [
            {"type": "button", "text": {"text": "A"}, "action_id": "same"},
            {"type": "button", "text": {"text": "B"}, "action_id": "same"},
        ]}],
    ],
    ids=["51 blocks", "long section", "long field", "empty section", "long header", "long button",
         "two blocks with one block_id", "two buttons with one action_id in a block"],
)  # fmt: skip
def test_blocks_over_slack_limits_are_invalid(
    fake: FakeSlack, client: WebClient, blocks: list[dict[str, Any]]
) -> None:
    error = slack_error(lambda: client.chat_postMessage(channel="C1", text="x", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    assert fake.messages("C1") == []


def test_text_over_40000_characters_is_too_long(client: WebClient) -> None:
    error = slack_error(lambda: client.chat_postMessage(channel="C1", text="x" * 40_001))
    assert error.response["error"] == "msg_too_long"


def test_updating_an_unknown_message_is_not_found(client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="x")
    error = slack_error(lambda: client.chat_update(channel="C1", ts="1.000000", text="y"))
    assert error.response["error"] == "message_not_found"


def test_rate_limit_answers_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)
    error = slack_error(lambda: client.chat_postMessage(channel="C1", text="x"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert fake.messages("C1") == []
    client.chat_postMessage(channel="C1", text="x")  # only the next call failed
    assert len(fake.messages("C1")) == 1


def test_injected_error_fails_the_given_number_of_times(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found", times=2)
    for _ in range(2):
        error = slack_error(lambda: client.chat_postMessage(channel="C1", text="x"))
        assert (error.response.status_code, error.response["error"]) == (200, "channel_not_found")
    client.chat_postMessage(channel="C1", text="x")
    assert [call.ok for call in fake.calls] == [False, False, True]


def test_an_outage_answers_503_to_everything(fake: FakeSlack, client: WebClient) -> None:
    with fake.outage():
        error = slack_error(lambda: client.auth_test())
        assert error.response.status_code == 503
    assert client.auth_test()["ok"]


def test_transcript_shows_what_people_read(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0SALES", text="New lead", blocks=CARD)
    client.chat_update(channel="C0SALES", ts=posted["ts"], text="Claimed", blocks=CARD)
    client.chat_postMessage(channel="U0REP0001", text="Plain *text* only")
    client.chat_postEphemeral(channel="C0SALES", user="U0REP0001", text="You claimed it")

    transcript = fake.transcript()
    assert transcript.splitlines()[:8] == [
        "#C0SALES (1 message)",
        "  [1700000000.000100] (edited 1 time)",
        "    New lead: Greta Maier",
        "    *BigCorp* <VP Operations>",  # as Slack shows the escaped text
        "    *Score*",
        "    72",
        "    via web form",
        "    [Claim]",
    ]
    assert "DM with @U0REP0001 (1 message)" in transcript
    assert "    Plain *text* only" in transcript
    assert "Only visible to @U0REP0001 in #C0SALES:\n    You claimed it" in transcript


def test_transcript_names_people_and_channels_and_reads_dates(
    fake: FakeSlack, client: WebClient
) -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    stamp = int(now.timestamp())
    client.chat_postMessage(
        channel="C0SALES",
        text=f"Claimed by <@U0REP0001> <!date^{stamp}^{{date_short_pretty}} at {{time}}|x>",
    )
    client.chat_postEphemeral(channel="C0SALES", user="U0REP0001", text="line 1\nline 2\nline 3")
    names = {"C0SALES": "sales", "U0REP0001": "jana"}
    transcript = fake.transcript(names=names, now=now, first_lines=2).splitlines()
    assert transcript == [
        "#sales (1 message)",
        "  [1700000000.000100]",
        "    Claimed by @jana Today at 10:00 AM",
        "Only visible to @jana in #sales:",
        "    line 1",
        "    line 2",
        "    …",
    ]


def test_wait_for_calls_times_out_when_nothing_comes(fake: FakeSlack) -> None:
    assert not fake.wait_for_calls("chat.postMessage", 1, timeout=0.01)


def test_a_permalink_is_the_workspace_url_the_channel_and_the_ts(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="card")["ts"]
    reply = client.chat_postMessage(channel="C1", text="line", thread_ts=ts)["ts"]
    answer = client.chat_getPermalink(channel="C1", message_ts=ts)
    base = "https://leadbot-fake.slack.com/archives/C1/p"
    assert (answer["channel"], answer["permalink"]) == ("C1", base + ts.replace(".", ""))
    in_thread = client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert in_thread == f"{base}{reply.replace('.', '')}?thread_ts={ts}&cid=C1"


def test_a_permalink_of_what_is_not_there_is_refused(client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="card")
    missing = slack_error(lambda: client.chat_getPermalink(channel="C1", message_ts="1.2"))
    nowhere = slack_error(lambda: client.chat_getPermalink(channel="C9", message_ts="1.2"))
    assert (missing.response["error"], nowhere.response["error"]) == (
        "message_not_found", "channel_not_found"
    )  # fmt: skip
