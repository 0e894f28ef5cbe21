"""Thin Bolt listeners: ack, parse, one call into `bot/`, render. `register(app)` wires them."""

from slack_bolt import App

from handlers import actions, commands, events, offers, views


def register(app: App) -> None:
    actions.register(app)
    offers.register(app)
    commands.register(app)
    views.register(app)
    events.register(app)
