"""Small units of the API layer: date rendering, query parsing, the collection envelope, the
task render cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octosim.api.errors import ApiError
from octosim.api.messages import encode_json
from octosim.api.paging import collection
from octosim.api.params import QueryParams, parse_date
from octosim.api.redact import MASK, is_key_name, masked_query, without_keys
from octosim.api.timefmt import Dates
from octosim.clock import VirtualClock
from octosim.model.tasks import LogCategory
from octosim.simulation import Simulation


@pytest.fixture
def dates() -> Dates:
    return Dates(VirtualClock())


def test_iso_dates(dates: Dates) -> None:
    assert dates.iso(17.2051) == "2024-01-15T09:00:17.205+00:00"
    assert dates.iso(0) == "2024-01-15T09:00:00.000+00:00"
    assert dates.iso_or_none(None) is None
    assert dates.raw(3661.5) == "2024-01-15 10:01:01.500 +00:00"
    assert dates.long(0) == "Monday, 15 January 2024 9:00:00 AM +00:00"
    assert dates.long(4 * 3600) == "Monday, 15 January 2024 1:00:00 PM +00:00"
    assert dates.long(3 * 3600) == "Monday, 15 January 2024 12:00:00 PM +00:00"
    assert dates.iso(1e12).startswith("9999-12-31T23:59:59")  # beyond datetime's range
    assert dates.iso(-1e12).startswith("0001-01-01T00:00:00")


def test_rendered_dates_are_memoised_and_the_memo_is_bounded(
    dates: Dates, monkeypatch: pytest.MonkeyPatch
) -> None:
    from octosim.api import timefmt

    monkeypatch.setattr(timefmt, "_CACHE_LIMIT", 3)
    first = dates.iso(1.0)
    assert dates.iso(1.0) is first  # a hit returns the rendered text itself
    texts = [dates.iso(float(t)) for t in range(10)]  # fills and clears the memo twice
    assert texts == [f"2024-01-15T09:00:{t:02d}.000+00:00" for t in range(10)]
    assert dates.iso_or_none(None) is None  # "not happened yet" survives a clear
    assert dates.iso_or_none(2.5) == "2024-01-15T09:00:02.500+00:00"
    assert [dates.long(float(t)) for t in range(5)][-1] == (
        "Monday, 15 January 2024 9:00:04 AM +00:00")


def test_clocks_on_one_epoch_share_rendered_dates_but_not_across_zones() -> None:
    from datetime import timedelta, timezone
    from email.utils import format_datetime

    epoch = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    first, second = Dates(VirtualClock(epoch)), Dates(VirtualClock(epoch))
    text = first.iso(1.5)
    assert second.iso(1.5) is text  # rendered once for both simulations
    assert first.http(61) == format_datetime(epoch + timedelta(seconds=61), usegmt=True)
    assert first.http(61) == "Tue, 06 May 2031 07:09:10 GMT"
    # The same instant in another zone compares equal to the epoch, but reads differently.
    elsewhere = Dates(VirtualClock(epoch.astimezone(timezone(timedelta(hours=2)))))
    assert elsewhere.iso(1.5) == "2031-05-06T09:08:10.500+02:00"
    assert elsewhere.long(0) == "Tuesday, 6 May 2031 9:08:09 AM +02:00"
    assert first.long(0) == "Tuesday, 6 May 2031 7:08:09 AM +00:00"


@given(st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
))
def test_json_bodies_are_compact_utf8_that_reads_back_the_same(value: object) -> None:
    body = encode_json(value)
    assert json.loads(body) == value
    assert body == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_json_bodies_orjson_refuses_still_encode_as_before() -> None:
    # Beyond 64 bits, a key that is not a string, a lone surrogate: the standard library's
    # answer (\u-escaped), not an error.
    assert encode_json({"n": 2**70, 1: "é"}) == b'{"n":1180591620717411303424,"1":"\\u00e9"}'
    assert encode_json(["\ud800"]) == b'["\\ud800"]'
    with pytest.raises(TypeError):
        encode_json({"not json": object()})


@pytest.mark.parametrize("name", [
    "api_key", "API_KEY", "Api-Key", "X-Octopus-ApiKey", "x_octopus_apikey",
    "ApiKeys", "token", "access_token", "Authorization", "password", "key", "KEY",
])
def test_key_like_names_are_recognised_in_any_case_and_spelling(name: str) -> None:
    assert is_key_name(name)
    assert masked_query([(name, "hunter2"), ("take", "5")]) == [(name, MASK), ("take", "5")]
    assert without_keys([(name, "hunter2"), ("take", "5")]) == [("take", "5")]


@pytest.mark.parametrize("name", ["take", "ids", "keyword", "monkey", "partialName", "states"])
def test_ordinary_names_are_kept(name: str) -> None:
    assert not is_key_name(name)
    assert masked_query([(name, "x")]) == [(name, "x")]


def test_the_key_itself_is_dropped_and_key_shaped_values_masked_under_any_name() -> None:
    key = "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0"
    assert masked_query([("ApiKey", key), ("name", key), ("q", f"x{key.lower()}y")]) == [
        ("name", MASK), ("q", MASK)]


def test_query_params() -> None:
    query = QueryParams([("IDS", "a,b"), ("ids", " c "), ("Take", "5"), ("flag", "TRUE"),
                         ("empty", "")])
    assert query.values("Ids") == ["a", "b", "c"]
    assert query.values("missing") is None and query.values("empty") == []
    assert query.integer("take", 30) == 5 and query.integer("skip", 0) == 0
    assert query.flag("flag") is True and query.flag("empty") is None
    assert "TAKE" in query and query.names() == ["ids", "take", "flag", "empty"]
    with pytest.raises(ApiError):
        QueryParams([("take", "٣")]).integer("take", 30)  # a non-ASCII digit


def test_parse_date() -> None:
    assert parse_date("2024-01-15T10:00:00+01:00", "x") == datetime(2024, 1, 15, 9, tzinfo=UTC)
    assert parse_date("2024-01-15T09:00:00Z", "x") == datetime(2024, 1, 15, 9, tzinfo=UTC)
    assert parse_date("2024-01-15", "x") == datetime(2024, 1, 15, tzinfo=UTC)
    for bad in ("0001-01-01T00:00:00+14:00", "soon", 5, None):
        with pytest.raises(ApiError):
            parse_date(bad, "x")


@pytest.mark.parametrize(
    ("total", "skip", "take", "pages", "items", "has_next"),
    [(0, 0, 30, 1, 0, False), (30, 0, 30, 1, 30, False), (31, 0, 30, 2, 30, True),
     (31, 30, 30, 2, 1, False), (31, 60, 30, 2, 0, False), (10, 3, 4, 3, 4, True),
     (10, 0, 0, 1, 0, False)],
)
def test_collection_envelope(total: int, skip: int, take: int, pages: int, items: int,
                             has_next: bool) -> None:
    page = collection("Thing", list(range(total)), lambda n: {"Id": str(n)}, skip=skip,
                      take=take, path="/api/things", template="/api/things{?skip,take}",
                      query=[("name", "x"), ("ApiKey", "API-SECRET"), ("skip", "9")])
    assert (page["TotalResults"], page["NumberOfPages"], page["LastPageNumber"]) == (
        total, pages, pages - 1)
    assert len(page["Items"]) == items
    assert ("Page.Next" in page["Links"]) is has_next
    assert page["Links"]["Self"] == f"/api/things?name=x&skip={skip}&take={take}"
    assert "API-SECRET" not in str(page["Links"])


def test_task_cache_follows_every_change(sim: Simulation) -> None:
    """The render cache must never serve a stale task: state, log lines and Duration."""
    cache = sim.api.task_renders
    task = sim.engine.create("Spaces-1", "Upgrade", {})
    first = cache.resource(task, sim.clock.now())
    assert cache.resource(task, sim.clock.now()) is first  # a hit
    sim.clock.sleep(5)
    assert cache.resource(task, sim.clock.now())["Duration"] == "5 seconds"
    sim.clock.sleep(10)
    done = cache.resource(task, sim.clock.now())
    assert done["State"] == "Success" and done["HasWarningsOrErrors"] is False
    task.log.children[0].write(sim.clock.now(), "late trouble", LogCategory.Error)
    assert cache.resource(task, sim.clock.now())["HasWarningsOrErrors"] is True
    content = cache.response(task, sim.clock.now()).content
    assert b'"HasWarningsOrErrors":true' in content


def test_api_requests_are_frozen_dataclasses_with_defaults() -> None:
    import dataclasses

    from octosim.api.messages import ApiRequest

    request = ApiRequest("GET", "/api")
    assert (request.query, dict(request.headers), request.body) == ((), {}, b"")
    assert ApiRequest("GET", "/api") == request
    assert ApiRequest("GET", "/api").headers is not request.headers  # a dict each
    moved = dataclasses.replace(request, path="/api/tasks", body=b"{}")
    assert (moved.method, moved.path, moved.body) == ("GET", "/api/tasks", b"{}")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.path = "/elsewhere"  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(request)] == [
        "method", "path", "query", "headers", "body"]
