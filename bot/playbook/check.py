"""How the playbook's mistakes are found in the file and worded: one sentence each, with a line.

Reading the file, YAML syntax errors and YAML 1.1 surprises live here; the models and the
checks between sections live in bot/playbook/model.py.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.errors import ConfigProblem, PlaybookError
from bot.playbook.yamlmap import LineMap, Loaded, Scalar

EXAMPLE = Path(__file__).with_name("playbook.example.yml")
SEXAGESIMAL_TIME = re.compile(r"^(\d{1,2}):([0-5]\d)$")
COMMENT_AFTER_KEY = re.compile(r":\s+#")
#: Errors where the field wanted text, so quoting the value YAML misread is the fix.
TEXT_WANTED = frozenset({"string_type", "literal_error", "enum", "list_type"})

Location = tuple[str | int, ...]


def dotted(path: Location) -> str:
    """A location as people read it: teams.amer.reps.0."""
    return ".".join(str(p) for p in path)


def read_playbook_text(path: Path) -> str:
    """The file's text; PlaybookError saying what to do when it is missing or unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        copy = shlex.join(["cp", str(EXAMPLE), str(path)])
        raise _whole_file(
            path,
            f"no playbook at {path}: copy the example with `{copy}` and describe your teams "
            "in it, or set LEADBOT_CONFIG to your playbook's path.",
        ) from None
    except IsADirectoryError:
        raise _whole_file(path, f"{path} is a directory; give the playbook file.") from None
    except OSError as exc:
        raise _whole_file(path, f"cannot read {path}: {exc.strerror}.") from None
    try:
        return raw.decode("utf-8-sig")  # editors on Windows may add a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = (
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on this line); "
            "save it as UTF-8 in your editor"
        )
        raise PlaybookError(str(path), [ConfigProblem(line, "", message)]) from None


def _whole_file(path: Path, message: str) -> PlaybookError:
    return PlaybookError(str(path), [ConfigProblem(0, "", message)])


def document_problem(loaded: Loaded, text: str) -> ConfigProblem | None:
    """The file parsed, but it is not a mapping of settings (empty, comments only, a list…)."""
    if loaded.data is None:
        if not text.strip():
            return ConfigProblem(1, "", f"the file is empty: start from a copy of {EXAMPLE}")
        return ConfigProblem(
            loaded.top_line, "", f"the file has no settings, only comments: start from {EXAMPLE}"
        )
    if isinstance(loaded.data, dict):
        return None
    kind = "a list" if isinstance(loaded.data, list) else "a single value"
    return ConfigProblem(
        loaded.top_line,
        "",
        f"the playbook must be a mapping of settings (like `teams:`), not {kind}",
    )


def yaml_problem(exc: yaml.YAMLError, text: str) -> ConfigProblem:
    """The first YAML syntax error, on the line to fix, with the fix in words."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1])
        return ConfigProblem(
            line,
            "",
            f"not valid YAML: the character U+{code:04X} is not allowed in YAML; remove it",
        )
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 0
    opened = getattr(exc, "context_mark", None)
    opened_line = opened.line + 1 if opened is not None else line
    source = text.splitlines()
    here = source[line - 1] if 0 < line <= len(source) else ""
    if problem.startswith("found character '\\t'"):
        if "\t" in here[: len(here) - len(here.lstrip())]:
            return ConfigProblem(
                line, "", "tabs are not allowed for indentation in YAML; use spaces"
            )
        return ConfigProblem(line, "", "not valid YAML: a tab is not allowed here; use spaces")
    start = re.match(r"found character '(.)' that cannot start any token", problem)
    if start:
        hint = f"a value that starts with {start.group(1)} must be in quotes"
    elif problem == "mapping values are not allowed here":
        hint = 'a value that contains ": " must be in quotes (or this line is indented too far)'
    elif "simple key" in context:
        line, hint = opened_line, "this line needs a colon: write each setting as `name: value`"
    elif context.startswith("while parsing a flow"):
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        line, hint = opened_line, f"the {opener} opened on this line is not closed with {closer}"
    elif "quoted scalar" in context:
        line, hint = opened_line, "the quote opened on this line is not closed"
    elif problem.startswith("expected <block end>"):
        hint = "this line is not indented like the lines around it; line it up with its siblings"
    elif "single document" in context:
        hint = "the file must hold one YAML document; remove the second `---`"
    else:
        hint = f"{context} {problem}".strip()
    return ConfigProblem(line, "", f"not valid YAML: {hint}")


def scalar_hint(scalar: Scalar, name: str) -> str:
    """Why YAML 1.1 did not read an unquoted scalar as text, and how to write it."""
    text, value = scalar.text, scalar.value
    if value is None:
        if COMMENT_AFTER_KEY.search(scalar.line_text):
            return (
                f"{name} has no value: in YAML a # starts a comment, "
                "so a value that starts with # must be in quotes"
            )
        return f"{name} has no value; write it after the colon"
    if isinstance(value, bool):
        return (
            f'YAML reads an unquoted {text} as {str(value).lower()}; write it in quotes: "{text}"'
        )
    time = SEXAGESIMAL_TIME.match(text)
    if time and isinstance(value, int):
        hour, minute = time.groups()
        return (
            f"YAML reads {text} as the number {value}; "
            f'write the time in quotes, like "{int(hour):02d}:{minute}"'
        )
    kind = "a number" if isinstance(value, int | float) else "a date"
    return f'YAML reads {text} as {kind}; write it in quotes: "{text}"'


def field_problems(exc: ValidationError, lines: LineMap) -> list[ConfigProblem]:
    """One problem per place in the file, on its line, worded for people."""
    found: dict[Location, ConfigProblem] = {}
    for error in exc.errors():
        loc = _location(error, lines)
        hint = _hint(error, loc, "[key]" in error["loc"], lines)
        # A value that fits no member of a union gets an error per member: keep one.
        if loc not in found or hint:
            found[loc] = ConfigProblem(lines.line_of(loc), dotted(loc), hint or _message(error))
    return list(found.values())


def _location(error: Any, lines: LineMap) -> Location:
    """The error's path in the file, without the union member and validator names pydantic
    adds: every step of a value that is in the file was recorded when it was read."""
    named_last = error["type"] == "missing"  # a missing setting is not in the file
    loc: Location = ()
    steps = error["loc"]
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(step, int) or (*loc, step) in lines or (last and named_last):
            loc = (*loc, step)
    return loc


def _hint(error: Any, loc: Location, on_key: bool, lines: LineMap) -> str | None:
    """A YAML 1.1 hint when the error is about an unquoted scalar YAML misread."""
    scalar = (lines.keys if on_key else lines.values).get(loc)
    if scalar is None or error.get("input") is not scalar.value:
        return None
    if scalar.value is not None and error["type"] not in TEXT_WANTED:
        return None  # a number where a number belongs is wrong for another reason
    name = f"'{loc[-1]}'" if loc and isinstance(loc[-1], str) else "this item"
    return scalar_hint(scalar, name)


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"unknown setting '{error['loc'][-1]}' (check the spelling)"
    if error["type"] == "missing":
        return f"'{error['loc'][-1]}' is required"
    if error["type"] == "enum":  # a stage or a move: name the word that is not one
        return f"'{error['input']}' is not one of {error['ctx']['expected']}"
    return message
