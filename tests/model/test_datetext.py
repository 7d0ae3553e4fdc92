"""Dates in .NET's long form, as Octopus writes them in Completed and status summaries, and
the JSON form written from digit tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.model.datetext import iso_microseconds, iso_milliseconds, long_date

#: Any fixed UTC offset datetime accepts, down to the microsecond, or none at all.
OFFSETS = st.none() | st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59, seconds=-59, microseconds=-999_999),
    max_value=timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999),
).map(timezone)


@pytest.mark.parametrize(
    ("wall", "text"),
    [
        (datetime(2024, 1, 15, 9, 0, 17, tzinfo=UTC), "Monday, 15 January 2024 9:00:17 AM +00:00"),
        (datetime(2024, 1, 15, 0, 5, 0, tzinfo=UTC), "Monday, 15 January 2024 12:05:00 AM +00:00"),
        (datetime(2024, 1, 15, 12, 0, 0, tzinfo=UTC), "Monday, 15 January 2024 12:00:00 PM +00:00"),
        (
            datetime(2024, 12, 1, 23, 59, 59, tzinfo=UTC),
            "Sunday, 1 December 2024 11:59:59 PM +00:00",
        ),
        (
            datetime(2024, 2, 29, 13, 1, 2, tzinfo=timezone(timedelta(hours=10))),
            "Thursday, 29 February 2024 1:01:02 PM +10:00",
        ),
    ],
)
def test_long_date(wall: datetime, text: str) -> None:
    assert long_date(wall) == text


def test_long_date_names_every_day_and_month_in_english() -> None:
    # Tables, not strftime: the names must not follow the machine's locale.
    days = {long_date(datetime(2024, 1, d, tzinfo=UTC)).split(",")[0] for d in range(1, 8)}
    assert days == {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday"}
    months = [long_date(datetime(2024, m, 1, tzinfo=UTC)).split()[2] for m in range(1, 13)]
    assert months == ["January", "February", "March", "April", "May", "June", "July",
                      "August", "September", "October", "November", "December"]


@given(st.datetimes(), OFFSETS)
def test_iso_texts_are_isoformat(naive: datetime, tz: timezone | None) -> None:
    wall = naive.replace(tzinfo=tz)
    assert iso_milliseconds(wall) == wall.isoformat(timespec="milliseconds")
    assert iso_microseconds(wall) == wall.isoformat(timespec="microseconds")


@given(st.datetimes(), OFFSETS)
def test_long_date_ends_with_the_offset_isoformat_writes(naive: datetime,
                                                         tz: timezone | None) -> None:
    wall = naive.replace(tzinfo=tz)
    assert long_date(wall).endswith(" " + wall.isoformat(timespec="milliseconds")[23:])
