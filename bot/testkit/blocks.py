"""Block Kit as the fake Slack sees it: Slack's limits checked, and blocks rendered as text."""

from __future__ import annotations

from typing import Any

Args = dict[str, Any]
# Slack's documented limits, so the bugs that break real messages break tests too.
MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, MAX_TEXT = 50, 100, 40_000
SECTION_TEXT, FIELD_TEXT, HEADER_TEXT, BUTTON_TEXT = 3000, 2000, 150, 75


def message_problem(args: Args) -> str | None:
    text, blocks = args.get("text") or "", args.get("blocks")
    if not text and not blocks:
        return "no_text"
    if blocks is not None and blocks_problem(blocks, MAX_MESSAGE_BLOCKS):
        return "invalid_blocks"
    if len(str(text)) > MAX_TEXT:
        return "msg_too_long"
    return None


def blocks_problem(blocks: Any, max_blocks: int) -> bool:
    if blocks is None:
        return False
    if not isinstance(blocks, list) or len(blocks) > max_blocks:
        return True
    if not all(isinstance(block, dict) and _block_ok(block) for block in blocks):
        return True
    # Slack refuses a message or view in which two blocks share a block_id.
    ids = [block["block_id"] for block in blocks if "block_id" in block]
    return len(ids) != len(set(ids))


def _text_ok(obj: Any, limit: int) -> bool:
    return (
        isinstance(obj, dict) and isinstance(obj.get("text"), str) and 0 < len(obj["text"]) <= limit
    )


def _element_ok(element: Any) -> bool:
    if not isinstance(element, dict):
        return False
    if element.get("type") == "button":
        return (
            _text_ok(element.get("text"), BUTTON_TEXT)
            and len(str(element.get("value", ""))) <= 2000
        )
    return True


def _block_ok(block: dict[str, Any]) -> bool:
    kind = block.get("type")
    if len(str(block.get("block_id", ""))) > 255:
        return False
    if kind == "header":
        return _text_ok(block.get("text"), HEADER_TEXT)
    if kind == "section":
        text, fields, accessory = (
            block.get("text"),
            block.get("fields") or [],
            block.get("accessory"),
        )
        return (
            (text is not None or bool(fields))
            and (text is None or _text_ok(text, SECTION_TEXT))
            and len(fields) <= 10
            and all(_text_ok(f, FIELD_TEXT) for f in fields)
            and (accessory is None or _element_ok(accessory))
        )
    if kind in ("actions", "context"):
        elements = block.get("elements") or []
        most = 25 if kind == "actions" else 10
        # An action_id must be unique among the elements of its block.
        action_ids = [e["action_id"] for e in elements if isinstance(e, dict) and "action_id" in e]
        return (
            0 < len(elements) <= most
            and all(_element_ok(e) for e in elements)
            and len(action_ids) == len(set(action_ids))
        )
    return isinstance(kind, str)


def _label(element: dict[str, Any]) -> str:
    if element.get("type") == "image":
        return f"(image: {element.get('alt_text', '')})"
    text = element.get("text")
    if isinstance(text, dict):
        text = text.get("text", "")
    if element.get("type") in ("mrkdwn", "plain_text"):
        return str(text or "")
    placeholder = element.get("placeholder", {}).get("text", "")
    return f"[{text or placeholder or element.get('type', '?')}]"


def render_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    """Blocks as plain text: headers, sections, fields, context, and buttons as [Label]."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(str(block["text"]["text"]))
        elif kind == "section":
            if block.get("text"):
                lines.append(str(block["text"]["text"]))
            lines.extend(str(f["text"]) for f in block.get("fields") or [])
            if block.get("accessory"):
                lines.append(_label(block["accessory"]))
        elif kind == "context":
            lines.append(" · ".join(_label(e) for e in block.get("elements") or []))
        elif kind == "actions":
            lines.append("  ".join(_label(e) for e in block.get("elements") or []))
        elif kind == "divider":
            lines.append("---")
        else:
            lines.append(f"({kind} block)")
    return lines
