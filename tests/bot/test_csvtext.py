"""CSV text: byte-order marks, named encodings, the separator read from the header line."""

from __future__ import annotations

import codecs

import pytest

from bot.core.errors import LeadbotError
from bot.intake.csvtext import decode, parse_delimiter, sniff_delimiter


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("email,name\r\n", ","),
        ("Email;Name;Company\r\n", ";"),
        ("Email\tName\n", "\t"),
        ("email|name\n", "|"),
        ('"Email";"Company, Inc";"Name"\n', ";"),
        ("email\n", ","),
        ('"Name, first, last"\n', ","),
    ],
)
def test_the_separator_is_read_outside_quotes_on_the_header_line(line, delimiter) -> None:
    assert sniff_delimiter(line) == delimiter


def test_utf16_big_endian_with_its_bom_is_read() -> None:
    raw = codecs.BOM_UTF16_BE + "email\tname\nana@solarfarm.com.br\tJoão\n".encode("utf-16-be")
    assert decode(raw, "x.txt").splitlines()[1] == "ana@solarfarm.com.br\tJoão"


def test_utf8_bom_is_dropped_even_when_the_encoding_is_named() -> None:
    assert decode(codecs.BOM_UTF8 + b"email\n", "x.csv", "utf-8") == "email\n"


def test_utf16_without_a_bom_names_the_way_out() -> None:
    with pytest.raises(LeadbotError, match="--encoding utf-16-le"):
        decode("email\nana@solarfarm.com.br\n".encode("utf-16-le"), "x.csv")


def test_an_unknown_encoding_is_named() -> None:
    with pytest.raises(LeadbotError, match="'latin-9x' is not an encoding"):
        decode(b"email\n", "x.csv", "latin-9x")


def test_text_not_in_the_named_encoding_names_its_line() -> None:
    with pytest.raises(LeadbotError, match="Line 2 of x.csv is not ascii text"):
        decode("email\nJörg\n".encode(), "x.csv", "ascii")


@pytest.mark.parametrize(("value", "delimiter"), [(";", ";"), ("tab", "\t"), ("\\t", "\t")])
def test_delimiter_option(value, delimiter) -> None:
    assert parse_delimiter(value) == delimiter


@pytest.mark.parametrize("value", ["semicolon", "a", '"', ""])
def test_bad_delimiter_option_says_what_it_takes(value) -> None:
    with pytest.raises(LeadbotError, match="--delimiter takes one character"):
        parse_delimiter(value)
