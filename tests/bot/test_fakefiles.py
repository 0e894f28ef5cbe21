"""File uploads in the fake Slack, through the real WebClient's files_upload_v2."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.testkit.fakefiles import UPLOAD
from bot.testkit.fakeslack import FakeSlack

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 80  # 20,488 bytes: "20 KB"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def upload(client: WebClient, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "channel": "C0MGRS",
        "content": PNG,
        "filename": "funnel.png",
        "title": "Funnel — week of 23 Nov",
    }
    return client.files_upload_v2(**(args | overrides))


def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def test_files_upload_v2_makes_its_three_requests_in_order(
    fake: FakeSlack, client: WebClient
) -> None:
    answer = upload(client, alt_txt="The funnel")

    assert [call.method for call in fake.calls] == [
        "files.getUploadURLExternal", UPLOAD, "files.completeUploadExternal",
    ]  # fmt: skip
    asked, sent, completed = fake.calls
    assert (asked.args["filename"], asked.args["length"], asked.args["alt_txt"]) == (
        "funnel.png", str(len(PNG)), "The funnel",
    )  # fmt: skip
    assert "authorization" not in {name.lower() for name in sent.headers}  # the URL is the ticket
    assert completed.args["files"] == [{"id": "F0FAKE00001", "title": "Funnel — week of 23 Nov"}]
    # Slack's documented answer; slack_sdk adds "file" when there is one.
    assert answer.data == {
        "ok": True,
        "files": [{"id": "F0FAKE00001", "title": "Funnel — week of 23 Nov"}],
        "file": {"id": "F0FAKE00001", "title": "Funnel — week of 23 Nov"},
    }


def test_the_upload_url_points_at_the_fake_itself(fake: FakeSlack, client: WebClient) -> None:
    answer = client.files_getUploadURLExternal(filename="a.png", length=3)
    assert answer["upload_url"] == f"{fake.origin}/upload/v1/{answer['file_id']}"


def test_a_file_with_a_thread_ts_lands_in_that_thread(fake: FakeSlack, client: WebClient) -> None:
    digest = client.chat_postMessage(channel="C0MGRS", text="Weekly digest")
    upload(client, thread_ts=digest["ts"], alt_txt="The funnel")

    [shared] = fake.files("C0MGRS")
    assert (shared.filename, shared.title, shared.content) == (
        "funnel.png", "Funnel — week of 23 Nov", PNG,
    )  # fmt: skip
    assert (shared.thread_ts, shared.alt_txt) == (digest["ts"], "The funnel")
    [reply] = fake.replies("C0MGRS", digest["ts"])
    assert (reply.ts, reply.text, [f.id for f in reply.files]) == (shared.ts, "", [shared.id])
    assert [m.text for m in fake.messages("C0MGRS")] == ["Weekly digest"]


def test_a_file_without_a_thread_is_a_message_in_the_channel(
    fake: FakeSlack, client: WebClient
) -> None:
    upload(client, initial_comment="This week's funnel")
    [message] = fake.messages("C0MGRS")
    assert message.text == "This week's funnel"
    assert fake.files("C0MGRS")[0].thread_ts is None


def test_the_transcript_shows_the_image_in_its_thread(fake: FakeSlack, client: WebClient) -> None:
    digest = client.chat_postMessage(channel="C0MGRS", text="Weekly digest")
    upload(client, thread_ts=digest["ts"])
    upload(client, content=b"a,b\n", filename="leads.csv", title="Export")

    assert fake.transcript().splitlines() == [
        "#C0MGRS (2 messages)",
        "  [1700000000.000100]",
        "    Weekly digest",
        "      ↳ [1700000000.000200]",
        '        [image: funnel.png "Funnel — week of 23 Nov" 20 KB]',
        "  [1700000000.000300]",
        '    [file: leads.csv "Export" 1 KB]',
    ]


def test_the_bytes_may_come_as_multipart_form_data(fake: FakeSlack, client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="funnel.png", length=len(PNG))
    sent = httpx.post(ticket["upload_url"], files={"file": ("funnel.png", PNG, "image/png")})
    assert (sent.status_code, sent.text) == (200, f"OK - {len(PNG)}")

    client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="C0MGRS")
    [shared] = fake.files("C0MGRS")
    assert (shared.content, shared.title) == (PNG, "funnel.png")  # no title: the file's name


def test_completing_a_file_never_uploaded_is_file_not_found(client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="funnel.png", length=len(PNG))
    complete = lambda: client.files_completeUploadExternal(  # noqa: E731
        files=[{"id": ticket["file_id"]}], channel_id="C0MGRS"
    )
    assert slack_error(complete).response["error"] == "file_not_found"


def test_an_upload_completes_once(fake: FakeSlack, client: WebClient) -> None:
    upload(client)
    [completed] = fake.calls_to("files.completeUploadExternal")
    again = slack_error(
        lambda: client.files_completeUploadExternal(files=completed.args["files"], channel_id="C1")
    )
    assert again.response["error"] == "file_not_found"
    assert fake.files("C1") == []


def test_a_thread_that_does_not_exist_is_refused(fake: FakeSlack, client: WebClient) -> None:
    error = slack_error(lambda: upload(client, thread_ts="1700000000.999999"))
    assert error.response["error"] == "invalid_arguments"
    assert fake.files("C0MGRS") == []


def test_a_ticket_needs_a_name_and_a_length(client: WebClient) -> None:
    error = slack_error(lambda: client.api_call("files.getUploadURLExternal", params={"x": 1}))
    assert error.response["error"] == "invalid_arguments"


def test_alt_text_is_at_most_1000_characters(client: WebClient) -> None:
    error = slack_error(lambda: upload(client, alt_txt="x" * 1001))
    assert error.response["error"] == "alt_txt_too_large"


def test_an_unknown_upload_url_is_not_found(fake: FakeSlack) -> None:
    request = urllib.request.Request(f"{fake.origin}/upload/v1/F0NOPE", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 404


def test_asking_for_an_upload_url_needs_a_token(fake: FakeSlack) -> None:
    anonymous = WebClient(base_url=fake.url)
    error = slack_error(lambda: upload(anonymous))
    assert error.response["error"] == "not_authed"


def test_multipart_to_a_web_api_method_is_still_refused(fake: FakeSlack) -> None:
    sent = httpx.post(
        f"{fake.url}chat.postMessage",
        headers={"Authorization": "Bearer xoxb-test"},
        files={"file": ("a.txt", b"a")},
    )
    assert sent.json() == {"ok": False, "error": "invalid_form_data"}


def test_a_failed_completion_shares_nothing_and_a_new_upload_works(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("files.completeUploadExternal", status=200, error="internal_error")
    assert slack_error(lambda: upload(client)).response["error"] == "internal_error"
    assert fake.files("C0MGRS") == []

    upload(client)
    assert [f.id for f in fake.files("C0MGRS")] == ["F0FAKE00002"]


def test_a_failed_byte_upload_raises_and_shares_nothing(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next(UPLOAD, status=500)
    with pytest.raises(urllib.error.HTTPError) as caught:
        upload(client)
    assert caught.value.code == 500
    assert "files.completeUploadExternal" not in [call.method for call in fake.calls]
    assert fake.files("C0MGRS") == []


def test_an_outage_stops_uploads_too(fake: FakeSlack, client: WebClient) -> None:
    with fake.outage():
        assert slack_error(lambda: upload(client)).response.status_code == 503
    upload(client)
    assert len(fake.files("C0MGRS")) == 1
