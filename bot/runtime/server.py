"""Assembling and running `leadbot serve`: the ASGI app, the outbox worker, Socket Mode."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.core.clock import utc_now
from bot.core.errors import SettingsError
from bot.playbook.model import Playbook
from bot.runtime.app import create_app, make_web_client
from bot.runtime.http import create_http_app
from bot.runtime.scheduler import build_scheduler
from bot.runtime.settings import Settings
from bot.runtime.socketmode import SocketModeAfterAck
from jobs.worker import OutboxWorker
from store.db import make_engine, session_factory
from store.migrate import pending_migrations

log = logging.getLogger(__name__)


@dataclass
class LeadbotServer:
    api: FastAPI
    bolt: App
    worker: OutboxWorker
    engine: Engine
    socket_mode: SocketModeAfterAck | None
    scheduler: BackgroundScheduler


def _require(settings: Settings) -> None:
    problems = []
    for check in (settings.require_slack, settings.require_intake_token):
        try:
            check()
        except SettingsError as error:
            problems.append(error.user_message)
    if problems:
        raise SettingsError("\n".join(problems))


def build_server(
    settings: Settings, playbook: Playbook, *, clock: Callable[[], datetime] = utc_now
) -> LeadbotServer:
    """Everything `serve` runs, checked: settings, database reachable and migrated."""
    _require(settings)
    try:
        behind = pending_migrations(settings.database_url)
    except OperationalError as error:
        raise SettingsError(
            f"DATABASE_URL does not answer ({error.orig}); check the URL and that the server runs."
        ) from None
    if behind:
        raise SettingsError(
            "The database schema is not up to date: run `leadbot db upgrade` first."
        )
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)
    worker = OutboxWorker(
        session_factory=factory,
        client=make_web_client(settings),
        poll_seconds=settings.outbox_poll_seconds,
        clock=clock,
    )
    bolt = create_app(
        settings=settings,
        session_factory=factory,
        playbook=playbook,
        clock=clock,
        after_commit=worker.wake,
    )
    socket_mode_only = (
        settings.slack_app_token is not None and settings.slack_signing_secret is None
    )
    api = create_http_app(
        settings=settings,
        session_factory=factory,
        playbook=playbook,
        bolt_app=None if socket_mode_only else bolt,
        clock=clock,
        after_commit=worker.wake,
    )
    socket_mode = None
    if settings.slack_app_token is not None:
        socket_mode = SocketModeAfterAck(bolt, settings.slack_app_token.get_secret_value())
    scheduler = build_scheduler(
        session_factory=factory,
        playbook=playbook,
        clock=clock,
        wake_outbox=worker.wake,
        sla_every_seconds=settings.sla_sweep_seconds,
        nurture_every_seconds=settings.nurture_sweep_seconds,
    )
    return LeadbotServer(
        api=api,
        bolt=bolt,
        worker=worker,
        engine=engine,
        socket_mode=socket_mode,
        scheduler=scheduler,
    )


#: Slack's answers to auth.test that mean the token itself is wrong (not that Slack is down).
TOKEN_REFUSED = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


def check_bot_token(client: WebClient) -> None:
    """Refuse to serve with a bot token Slack refuses; a Slack outage only warns (the outbox
    keeps every card until Slack answers)."""
    try:
        client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error") or f"http_{error.response.status_code}")
        if code in TOKEN_REFUSED:
            raise SettingsError(
                f"Slack refuses SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token again "
                "from your Slack app's OAuth & Permissions page, or reinstall the app."
            ) from None
        log.warning("Slack's auth.test answered %s; serving anyway", code)
    except OSError as error:
        log.warning("Slack does not answer (%s); cards wait in the outbox until it does", error)


def run_server(server: LeadbotServer, *, host: str, port: int) -> None:
    """Run until interrupted: uvicorn in front; the outbox worker, the scheduled jobs and Socket
    Mode beside it."""
    server.worker.start()
    server.scheduler.start()
    if server.socket_mode is not None:
        server.socket_mode.connect()  # returns at once; Slack events then arrive over the socket
        log.info("Socket Mode connected; HTTP still serves the intake API")
    try:
        # log_config=None: uvicorn's error and access logs go through configure_logging.
        uvicorn.run(server.api, host=host, port=port, log_config=None)
    finally:
        if server.socket_mode is not None:
            server.socket_mode.close()
        server.scheduler.shutdown(wait=True)  # a sweep under way finishes first
        server.worker.stop()
        server.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving_in_thread(
    api: FastAPI, port: int | None = None, *, log_level: str | None = "warning"
) -> Iterator[str]:
    """Run the ASGI app under uvicorn on localhost in a thread (demo, tests, benchmarks).

    uvicorn's loggers are left to the root logger, as in `serve`; `log_level` quietens them
    (None: the root logger's level decides).
    """
    config = uvicorn.Config(
        api,
        host="127.0.0.1",
        port=port or free_port(),
        log_config=None,
        log_level=log_level,
    )
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not web.started:  # uvicorn offers no start event to wait on
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on port {config.port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        web.should_exit = True
        thread.join(timeout=10)
