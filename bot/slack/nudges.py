"""The SLA sweep's messages: a reminder to the owner, a re-announcement, an offer to one rep,
a word to the manager (with one-click assign when nobody took the lead), and to the admins."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.core.moves import Move
from bot.core.stages import Stage, stage_name
from bot.playbook.fields import Duration
from bot.playbook.model import BusinessHours, Playbook
from bot.rules.businesstime import add_business_time, next_business_moment
from bot.slack.cards import Block, duration_words, mention, move_actions, slack_date
from bot.slack.ids import ActionId, ConfirmedMove, LeadAssign, LeadRef
from bot.slack.text import Message, fit
from store.models import Lead


def _who(lead: Lead) -> str:
    name = fit(lead.name or lead.email, 80)
    return f"*Lead #{lead.id}* ({name}{', ' + fit(lead.company, 80) if lead.company else ''})"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def snooze_choices(now: datetime, hours: BusinessHours) -> list[tuple[str, datetime]]:
    """The reminder's quick snoozes, in the owner's working hours: two hours (of work), the
    start of the next working day, the start of next week."""
    local = now.astimezone(hours.zone)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=hours.zone)
    monday = tomorrow + timedelta(days=(7 - tomorrow.weekday()) % 7)
    return [
        ("For 2 working hours", add_business_time(now, Duration(minutes=120), hours)),
        ("Until the next working day", next_business_moment(tomorrow, hours)),
        ("Until next week", next_business_moment(monday, hours)),
    ]


def _snooze_menu(lead: Lead, now: datetime, hours: BusinessHours) -> Block:
    options = [
        {
            "text": {"type": "plain_text", "text": label},
            "value": ConfirmedMove(
                lead_id=lead.id or 0, move=Move.SNOOZE, when=until
            ).model_dump_json(exclude_defaults=True),
        }
        for label, until in snooze_choices(now, hours)
    ]
    return {
        "type": "static_select",
        "action_id": str(ActionId.QUICK_SNOOZE),
        "placeholder": {"type": "plain_text", "text": "Snooze…"},
        "options": options,
    }


def owner_reminder(
    lead: Lead, playbook: Playbook, now: datetime, hours: BusinessHours | None = None
) -> Message:
    """A DM to the owner: the lead sat in its stage past the playbook's time; act from here,
    or snooze it in one pick (`hours`: the owner's working hours, in their own zone)."""
    stage = Stage(lead.stage)
    since = duration_words((now - lead.stage_entered_at).total_seconds())
    text = (
        f":alarm_clock: {_who(lead)} has been {stage_name(stage)} for {since}, past the "
        f"playbook's time (due {slack_date(lead.due_at or now)})."
    )
    step = playbook.next_step(stage, connected=lead.connected_at is not None)
    if step:
        text += f" Next step: {fit(step, 300)}"
    blocks: list[Block] = [_section(text)]
    actions = move_actions(lead, playbook.moves_from(stage))
    if Move.SNOOZE in playbook.moves_from(stage):
        actions.append(_snooze_menu(lead, now, hours or playbook.business_hours))
    if actions:
        blocks.append({"type": "actions", "elements": actions})
    return Message(text=text, blocks=blocks)


def channel_reminder(lead: Lead, now: datetime) -> Message:
    """Re-announced in the team's channel: an unclaimed lead still waits for a rep."""
    waited = duration_words((now - (lead.sales_ready_at or lead.stage_entered_at)).total_seconds())
    text = f":rotating_light: {_who(lead)} has waited {waited} for a rep. Who takes it?"
    claim = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Claim", "emoji": True},
        "action_id": str(ActionId.CLAIM),
        "value": LeadRef(lead_id=lead.id or 0).model_dump_json(),
        "style": "primary",
    }
    return Message(text=text, blocks=[_section(text), {"type": "actions", "elements": [claim]}])


#: One section with an Assign button per rep up to this many; a bigger team gets a people
#: menu (a message holds at most 50 blocks).
ASSIGN_SECTIONS = 20


def _button(text: str, action_id: str, value: str, style: str = "") -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def offer_message(lead: Lead, playbook: Playbook, answer_by: datetime) -> Message:
    """A DM to one rep: the lead nobody claimed is theirs if they accept before `answer_by`."""
    text = (
        f":raising_hand: {_who(lead)} is waiting for a rep and it is offered to you. "
        f"Accept it by {slack_date(answer_by)}, or pass and the next rep is asked."
    )
    step = playbook.next_step(Stage.WORKING)
    if step:
        text += f" Next step once yours: {fit(step, 300)}"
    value = LeadRef(lead_id=lead.id or 0).model_dump_json()
    buttons = [
        _button("Accept", str(ActionId.OFFER_ACCEPT), value, style="primary"),
        _button("Pass", str(ActionId.OFFER_PASS), value),
    ]
    return Message(text=text, blocks=[_section(text), {"type": "actions", "elements": buttons}])


def assign_request(lead: Lead, reps: list[tuple[str, str]], now: datetime) -> Message:
    """A DM to the team's manager: nobody took the lead; assign it in one click. `reps` are
    (user ID, note) pairs, the note saying how the rep stands ("3 open leads", "away")."""
    waited = duration_words((now - (lead.sales_ready_at or lead.stage_entered_at)).total_seconds())
    text = (
        f":warning: {_who(lead)} has waited {waited} and nobody took it: no rep claimed it "
        "from the channel or accepted it when offered. Who should have it?"
    )
    blocks: list[Block] = [_section(text)]
    if len(reps) <= ASSIGN_SECTIONS:
        for user, note in reps:
            value = LeadAssign(lead_id=lead.id or 0, rep_id=user).model_dump_json()
            line = f"{mention(user)}{f' — {fit(note, 200)}' if note else ''}"
            section = _section(line)
            section["accessory"] = _button("Assign", str(ActionId.ASSIGN), value)
            blocks.append(section)
    else:  # a people menu: the handler checks the one picked is in the team
        menu = {
            "type": "users_select",
            "action_id": str(ActionId.ASSIGN_MENU),
            "placeholder": {"type": "plain_text", "text": "Assign to…"},
        }
        block_id = LeadRef(lead_id=lead.id or 0).model_dump_json()
        blocks.append({"type": "actions", "block_id": block_id, "elements": [menu]})
    return Message(text=text, blocks=blocks)


def assigned_message(lead: Lead, by: str, playbook: Playbook, now: datetime) -> Message:
    """A DM to the rep a manager gave a lead to, with the card's buttons."""
    text = f":inbox_tray: {mention(by)} assigned {_who(lead)} to you: it is yours now."
    step = playbook.next_step(Stage.WORKING)
    if step:
        text += f" Next step: {fit(step, 300)}"
    blocks: list[Block] = [_section(text)]
    actions = move_actions(lead, playbook.moves_from(Stage(lead.stage)))
    if actions:
        blocks.append({"type": "actions", "elements": actions})
    return Message(text=text, blocks=blocks)


def manager_alert(lead: Lead, playbook: Playbook, now: datetime, absent: str = "") -> Message:
    """A DM to the team's manager: the owner's reminder did not help, or the owner is `absent`
    ("away until …"), so nobody reminded them."""
    since = duration_words((now - lead.stage_entered_at).total_seconds())
    owner = mention(lead.owner_id or "")
    why = (
        f"its owner is {absent}, so they were not reminded: you can move it from here"
        if absent
        else "the reminder did not move it"
    )
    text = (
        f":warning: {_who(lead)}, owned by {owner}, has been {stage_name(lead.stage)} for "
        f"{since}; {why}."
    )
    blocks: list[Block] = [_section(text)]
    actions = move_actions(lead, playbook.moves_from(Stage(lead.stage)))
    if actions:  # the manager may make the owner's moves
        blocks.append({"type": "actions", "elements": actions})
    return Message(text=text, blocks=blocks)


def admin_alert(lead: Lead, playbook: Playbook, now: datetime) -> Message:
    """A DM to each admin: the manager heard and nothing moved either."""
    since = duration_words((now - lead.stage_entered_at).total_seconds())
    team = playbook.teams.get(lead.team or "")
    manager = f"{mention(team.manager)} (the manager)" if team else "the manager"
    owner = f"owned by {mention(lead.owner_id)}, " if lead.owner_id else "unclaimed, "
    text = (
        f":sos: {_who(lead)}, {owner}has been {stage_name(lead.stage)} for {since}: the owner "
        f"and {manager} were told and nothing moved."
    )
    return Message(text=text)
