"""Socket Mode: Slack's requests over a websocket, checked and answered like those over HTTP."""

from __future__ import annotations

import logging
import time

from slack_bolt import BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.runtime.slackshape import MalformedSlackBody, check_slack_payload
from handlers.afterack import request_context

log = logging.getLogger(__name__)


class SocketModeAfterAck(SocketModeHandler):
    """Bolt's Socket Mode handler, which runs a request's deferred calls after acknowledging it."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        try:
            check_slack_payload(req.payload if isinstance(req.payload, dict) else {})
        except MalformedSlackBody as refused:
            # Acknowledged (else Slack re-sends it) but handed to no listener, as over HTTP.
            log.warning(
                "Refused a Socket Mode request not shaped as Slack sends it: %s", refused.reason
            )
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        context, deferred = request_context()
        request = BoltRequest(
            mode="socket_mode", body=req.payload, headers=build_headers(req), context=context
        )
        send_response(client, req, self.app.dispatch(request), start)
        deferred.run()
