"""The plugin's hooks around each test: which test runs (for the session-wide factory),
the strictness check, failure timelines, and Faker's Octopus provider."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from typing import Any

import pytest

from octosim.pytest.factory import RECORD, record_of, unhandled
from octosim.pytest.settings import STATE

__all__ = [
    "pytest_fixture_setup", "pytest_runtest_call", "pytest_runtest_makereport",
    "pytest_runtest_protocol",
]

#: Lines of each simulation's timeline in a failure report (the newest ones).
_TIMELINE_LINES = 400
#: Unhandled requests listed in a strictness failure; the rest are counted.
_LISTED_REQUESTS = 20


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[
        None, object, object]:
    """Tell the session-wide factory which test is running."""
    state = item.config.stash.get(STATE, None)
    if state is None:
        return (yield)
    state.item = item
    try:
        return (yield)
    finally:
        state.item = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, list[object], list[object]]:
    """Fail a test that passed but made requests a strict simulation does not implement.

    Checked after the call rather than at teardown, so it is the test that fails (as with
    an assertion), not its teardown, and the failure report carries the timeline.
    """
    result = yield
    _check_strict(item)
    return result


def _check_strict(item: pytest.Item) -> None:
    """Fail the test if a strict simulation saw requests it does not implement."""
    __tracebackhide__ = True
    record = item.stash.get(RECORD, None)
    if record is None:
        return
    lines = list(record.unhandled)
    for sim in record.pending:
        lines.extend(unhandled(sim))
    record.pending.clear()
    record.unhandled.clear()
    if not lines:
        return
    counts = Counter(lines)
    shown = [f"  {line}" + (f"  (x{n})" if n > 1 else "") for line, n in counts.items()]
    more = len(shown) - _LISTED_REQUESTS
    pytest.fail(
        "octosim: the test made requests the simulator does not implement (it answered "
        "404 or 405):\n" + "\n".join(shown[:_LISTED_REQUESTS])
        + (f"\n  ... and {more} more" if more > 0 else "")
        + "\n\nServe them with sim.api.add_route(method, pattern, handler), or allow them "
        "for this test with @pytest.mark.octopus(strict=False) (octopus_factory(strict="
        "False) for one simulation), or for every test with the ini option "
        "octosim_strict = false.",
        pytrace=False,
    )


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any],
                         request: pytest.FixtureRequest) -> Generator[None, object, object]:
    """Add :class:`~octosim.faker_provider.OctopusProvider` to Faker's ``faker`` fixture.

    A hook on the fixture's result rather than an autouse fixture: it costs nothing in
    tests that do not use Faker and also reaches ``request.getfixturevalue("faker")``.
    """
    __tracebackhide__ = True  # a failing fixture's traceback should start at the fixture
    value = yield
    # Faker's own fixture hands out one session-wide instance: add the provider once.
    if (fixturedef.argname == "faker" and hasattr(value, "add_provider")
            and not hasattr(value, "octopus_api_key")):
        from octosim.faker_provider import OctopusProvider

        value.add_provider(OctopusProvider)
    return value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the timelines of the test's newest simulations to its first failing report."""
    report = yield
    record = item.stash.get(RECORD, None)
    if record is not None and call.when == "teardown":
        # Items live as long as the session: let their simulations go with the test.
        del item.stash[RECORD]
    if report.failed and record is not None and record.recent and not record.reported:
        record.reported = True
        sims = list(record.recent)
        for n, sim in enumerate(sims, 1):
            known = record_of(sim)
            name = known.scenario.name if known is not None else "custom"
            which = f", {n} of the last {len(sims)}" if len(sims) > 1 else ""
            title = f"octosim timeline (scenario {name}, seed {sim.seed}{which})"
            deadlock = sim.deadlock  # asked first: a pending check journals its line now
            timeline = sim.timeline(last=_TIMELINE_LINES) or "(nothing happened: no requests)"
            if deadlock is not None:  # the one line that explains a hang, above its story
                timeline = f"octosim: {deadlock.summary()}\n{timeline}"
            report.sections.append((title, timeline))
    return report
