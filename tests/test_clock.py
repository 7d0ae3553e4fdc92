"""The virtual clock: ordering, ties, cancellation, errors, wall view."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.clock import DEFAULT_EPOCH, ClockError, PacedClock, VirtualClock


def test_time_starts_at_zero_and_only_sleep_moves_it() -> None:
    clock = VirtualClock()
    assert clock.now() == 0.0
    clock.sleep(2.5)
    assert clock.now() == 2.5
    clock.sleep(0)
    assert clock.now() == 2.5


def test_events_run_in_time_order_and_ties_in_scheduling_order() -> None:
    clock = VirtualClock()
    ran: list[str] = []
    clock.call_later(3, lambda: ran.append("c@3"))
    clock.call_later(1, lambda: ran.append("a@1"))
    clock.call_later(1, lambda: ran.append("b@1"))
    clock.call_at(2, lambda: ran.append(f"at2 now={clock.now()}"))
    clock.sleep(2.5)
    assert ran == ["a@1", "b@1", "at2 now=2.0"]
    clock.sleep(10)
    assert ran[-1] == "c@3"
    assert clock.now() == 12.5


def test_event_sees_its_own_time_and_may_schedule_more_within_the_sleep() -> None:
    clock = VirtualClock()
    seen: list[float] = []

    def chain() -> None:
        seen.append(clock.now())
        if len(seen) < 3:
            clock.call_later(1, chain)

    clock.call_later(1, chain)
    clock.sleep(5)
    assert seen == [1.0, 2.0, 3.0]


def test_cancelled_event_does_not_run_and_cancel_is_idempotent() -> None:
    clock = VirtualClock()
    ran: list[int] = []
    handle = clock.call_later(1, lambda: ran.append(1))
    handle.cancel()
    handle.cancel()
    clock.sleep(2)
    assert ran == []
    assert clock.pending == 0


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf])
def test_bad_sleeps_and_delays_are_errors(bad: float) -> None:
    clock = VirtualClock()
    with pytest.raises(ClockError, match="finite number"):
        clock.sleep(bad)
    with pytest.raises(ClockError):
        clock.call_later(bad, lambda: None)
    assert clock.now() == 0.0


def test_callback_cannot_sleep() -> None:
    clock = VirtualClock()
    clock.call_later(1, lambda: clock.sleep(1))
    with pytest.raises(ClockError, match="cannot sleep"):
        clock.sleep(2)


def test_past_call_at_runs_at_next_advance_and_time_never_goes_back() -> None:
    clock = VirtualClock()
    clock.sleep(5)
    times: list[float] = []
    clock.call_at(1, lambda: times.append(clock.now()))
    clock.advance_to(3)  # earlier than now: no-op for time, but due events run
    assert times == [5.0]
    assert clock.now() == 5.0


def test_wall_view_is_epoch_plus_virtual_seconds() -> None:
    clock = VirtualClock()
    clock.sleep(61.5)
    assert clock.wall() == DEFAULT_EPOCH + timedelta(seconds=61.5)
    assert clock.wall(0) == DEFAULT_EPOCH
    with pytest.raises(ClockError, match="timezone-aware"):
        VirtualClock(datetime(2024, 1, 1))
    assert VirtualClock(datetime(2030, 1, 1, tzinfo=UTC)).wall().year == 2030


def test_run_until_idle_stops_at_last_event() -> None:
    clock = VirtualClock()
    clock.call_later(4, lambda: None)
    clock.call_later(100, lambda: None)
    clock.run_until_idle(limit=50)
    assert clock.now() == 4
    assert clock.next_event_time() == 100


@given(st.lists(st.tuples(st.floats(0, 1e6), st.integers()), max_size=40),
       st.lists(st.floats(0, 1e5), max_size=10))
def test_events_always_run_in_nondecreasing_time(
    events: list[tuple[float, int]], sleeps: list[float]
) -> None:
    clock = VirtualClock()
    order: list[tuple[float, float]] = []
    def record(when: float) -> None:
        order.append((when, clock.now()))

    for when, _ in events:
        clock.call_at(when, functools.partial(record, when))
    for s in sleeps:
        before = clock.now()
        clock.sleep(s)
        assert clock.now() >= before
    clock.run_until_idle()
    assert [now for _, now in order] == sorted(now for _, now in order)
    assert all(now == max(when, 0) for when, now in order)


class Spinner:
    """Reschedules itself with no delay for ever: the loop a zero-duration scenario makes."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.runs = 0

    def tick(self) -> None:
        self.runs += 1
        self.clock.call_later(0, self.tick)


def test_an_instant_that_never_ends_is_refused_naming_what_rescheduled_itself() -> None:
    clock = VirtualClock(max_events_per_instant=50)
    spinner = Spinner(clock)
    clock.call_at(3, spinner.tick)
    with pytest.raises(ClockError, match=r"more than 50 events at virtual time 3: "
                                         r"test_clock\.Spinner\.tick keeps rescheduling"):
        clock.sleep(10)
    assert spinner.runs == 50
    assert clock.now() == 3  # time stays where it got stuck
    clock.call_later(1, lambda: None)  # the clock is still usable: not left "running"


def test_many_events_at_one_instant_but_under_the_cap_all_run() -> None:
    clock = VirtualClock(max_events_per_instant=100)
    ran: list[float] = []
    for _ in range(100):
        clock.call_at(1, lambda: ran.append(clock.now()))
    for _ in range(100):  # as many again at the next instant: the count starts afresh
        clock.call_at(2, lambda: ran.append(clock.now()))
    clock.sleep(5)
    assert ran == [1.0] * 100 + [2.0] * 100


def test_the_default_cap_is_generous_and_a_bad_one_is_refused() -> None:
    assert VirtualClock().max_events_per_instant == 100_000
    with pytest.raises(ClockError, match="at least 1"):
        VirtualClock(max_events_per_instant=0)


def test_a_partial_is_named_by_its_repr() -> None:
    clock = VirtualClock(max_events_per_instant=3)

    def again(tag: str) -> None:
        clock.call_later(0, functools.partial(again, tag))

    clock.call_later(0, functools.partial(again, "x"))
    with pytest.raises(ClockError, match=r"functools\.partial\(<function .*again"):
        clock.sleep(1)


def test_paced_clock_follows_real_time_at_its_rate_from_its_anchor() -> None:
    real = [100.0]
    clock = VirtualClock()
    paced = PacedClock(clock, rate=60, real=lambda: real[0])
    real[0] += 0.5
    paced.catch_up()
    assert clock.now() == 30.0
    real[0] += 10  # the server stopped and restarted: the gap must not count
    paced.anchor()
    real[0] += 1
    paced.catch_up()
    assert clock.now() == 90.0
    assert paced.real_seconds(120) == 2.0


def test_changing_the_rate_keeps_the_time_reached() -> None:
    real = [0.0]
    clock = VirtualClock()
    paced = PacedClock(clock, rate=2, real=lambda: real[0])
    real[0] = 5
    paced.rate = 10
    assert clock.now() == 10.0
    real[0] = 6
    paced.catch_up()
    assert clock.now() == 20.0


@pytest.mark.parametrize("rate", [0, -1, math.inf, math.nan])
def test_a_rate_that_is_not_a_positive_finite_number_is_refused(rate: float) -> None:
    with pytest.raises(ClockError, match="positive number of virtual seconds"):
        PacedClock(VirtualClock(), rate=rate)


def test_a_wrapper_closure_is_named_with_what_it_wraps() -> None:
    clock = VirtualClock(max_events_per_instant=3)

    def guard(callback: Callable[[], None]) -> Callable[[], None]:
        def guarded() -> None:
            callback()
        return guarded

    def again() -> None:
        clock.call_later(0, guard(again))

    clock.call_later(0, again)
    with pytest.raises(ClockError, match=r"guard\.<locals>\.guarded \(wrapping "
                                         r"\S+again\) keeps rescheduling"):
        clock.sleep(1)
