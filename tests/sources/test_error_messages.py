"""An InputError is one line of bounded length whatever the input held: the CLI prints it as one
line, the build report and the API error body carry it."""

from __future__ import annotations

from graph_builder.errors import InputError, shown


def test_input_error_escapes_line_breaks_and_bounds_each_part() -> None:
    error = InputError(
        "expected a date, got " + "9" * 50_000,
        source_id="reference",
        file="data/reference/trials.csv",
        record="row\n2",
        field="a\u2028b\rc",
    )
    message = str(error)
    assert message.splitlines() == [message]
    assert len(message) < 2_000
    assert message.startswith(
        r"source reference, file data/reference/trials.csv, record row\n2, field a\u2028b\rc: "
    )
    assert message.endswith("...")
    assert error.field == "a\u2028b\rc" and error.reason.endswith("9" * 10)  # kept as given


def test_shown_quotes_a_value_shortened_and_escaped() -> None:
    assert shown("Yes") == "'Yes'"
    assert shown("a\nb") == r"'a\nb'"
    long = shown("x" * 1000)
    assert len(long) == 62 and long.endswith("...'")
