"""A CSV file's text as spreadsheets write it: its encoding, its separator, Excel's `sep=` line."""

from __future__ import annotations

import codecs
import re

from bot.core.errors import LeadbotError

#: The separators a header line is searched for, in the order a tie is decided.
DELIMITERS = ",;\t|"
#: Excel's first line naming the separator, so the file opens right in any locale.
SEP_LINE = re.compile(r'^\ufeff?"?sep=(.)"?\s*$', re.IGNORECASE)
#: A byte-order mark says the encoding: Excel writes one for "CSV UTF-8" and "Unicode text".
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(raw: bytes, name: str, encoding: str | None = None) -> str:
    """The file's text: the encoding given, else the one its byte-order mark names, else UTF-8."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise LeadbotError(
                f"--encoding: '{encoding}' is not an encoding (like utf-8, cp1252, utf-16)."
            ) from None
    used = encoding or next((enc for bom, enc in BOMS if raw.startswith(bom)), "utf-8")
    try:
        text = raw.decode(used)
    except UnicodeDecodeError as error:
        line = raw[: error.start].decode(used, errors="replace").count("\n") + 1
        if encoding:
            raise LeadbotError(f"Line {line} of {name} is not {encoding} text.") from None
        # Guessing a legacy code page could silently garble names, so the user names it.
        raise LeadbotError(
            f"Line {line} of {name} is not UTF-8 text; save the file as 'CSV UTF-8' and retry, "
            "or name its encoding, like --encoding cp1252 (Excel on Windows, Western Europe)."
        ) from None
    if "\x00" in text:
        raise LeadbotError(
            f"{name} holds NUL characters: it is likely UTF-16 text without a byte-order mark; "
            "retry with --encoding utf-16-le."
        )
    return text.removeprefix("\ufeff")


def sniff_delimiter(header_line: str) -> str:
    """The separator used most often outside quotes on the header line (a comma if none is)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def parse_delimiter(value: str) -> str:
    """`--delimiter ';'`, `--delimiter tab`: the one character that separates columns."""
    if value.lower() in ("tab", "\\t"):
        return "\t"
    if len(value) != 1 or value.isalnum() or value in '"\r\n ':
        raise LeadbotError(
            f"--delimiter takes one character like ',' ';' or '|', or the word tab (got '{value}')."
        )
    return value
