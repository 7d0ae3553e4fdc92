"""Honest (DESIGN.md §3.7): a request Octopus refuses (400, 401, 403, 404) ends the run at
once, with the typed error and a message that says what to do; and the API key never shows,
whatever happens.

Drawn: a fault-free world, the target by id or name, and one way to be refused:

- ``wrong-key``: a well-formed key the server does not know (answered 401, or 403 where the
  server is configured so): AuthenticationError, never PermissionDeniedError (the key is
  wrong, no permission is missing), advising to check the key;
- ``no-permission``: the key of a user (``world.add_user`` + ``add_api_key``) lacking one or
  more of MachineView, TaskView, TaskCreate (perhaps TaskCancel too): PermissionDeniedError;
- ``unknown-machine-id`` / ``unknown-space``: 404, NotFoundError; ``unknown-machine-name``:
  no machine of that name in the list, NotFoundError;
- ``rejected``: a server that refuses request bodies over ``max_body_bytes`` (400):
  ServerError (docs/restart.md: a 400 means client and server disagree; exit code 1);
- ``none``: nothing is refused (only the secrecy half applies).

"At once": the refused request was sent once (not retried), and no virtual time passed
between its answer and the run's return (the cleanup, if any, takes none here). Secrecy:
no key in play (the simulation's own, the wrong one, the restricted user's) appears in the
error's str or repr, the report's repr or ``to_dict()``, any progress line, the
simulation's journal, or any log record (caplog, every logger at DEBUG).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from octosim.model.world import Permission
from octosim.strategies import presets, seeds
from restart import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RestartError,
    RestartPolicy,
    RestartTarget,
    ServerError,
)

KINDS = ("none", "wrong-key", "no-permission", "unknown-machine-id", "unknown-machine-name",
         "unknown-space", "rejected")
NEEDED = (Permission.MachineView, Permission.TaskView, Permission.TaskCreate)
#: The non-empty subsets of NEEDED, smallest first (what shrinking tends to).
SUBSETS = [tuple(p for i, p in enumerate(NEEDED) if n >> i & 1) for n in range(1, 8)]
SUBSETS.sort(key=len)
#: Each refusal's error type, the status that caused it, and words that tell the user what
#: to do next (restart/_http.py and restart/procedure.py write them).
EXPECTED: dict[str, tuple[type[Exception], int | None, str]] = {
    "wrong-key": (AuthenticationError, 401, "Check OCTOPUS_API_KEY"),
    "no-permission": (PermissionDeniedError, 403, "ask an Octopus administrator"),
    "unknown-machine-id": (NotFoundError, 404, "Check the space (--space"),
    "unknown-space": (NotFoundError, 404, "Check the space (--space"),
    "unknown-machine-name": (NotFoundError, None, "check the name"),
    "rejected": (ServerError, 400, "please report it"),
}
REFUSED = {400, 401, 403, 404}

# caplog is function-scoped: every example clears it first, so nothing leaks between them.
# Three times the profile's examples, as every property test here (docs/properties.md).
_settings = settings(max_examples=3 * settings().max_examples, suppress_health_check=[
    *settings().suppress_health_check, HealthCheck.function_scoped_fixture])


@st.composite
def refusals(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS), label="refusal")
    return {
        "kind": kind,
        "scenario": draw(presets("default", "named-instance", "linux", "polling", "watchdog"),
                         label="scenario"),
        "seed": draw(seeds(), label="seed"),
        "by": draw(st.sampled_from(("id", "name"))),
        "wrong_key": draw(st.from_regex(r"API-[A-Z0-9]{27}", fullmatch=True), label="key"),
        "wrong_key_status": draw(st.sampled_from((401, 403))),
        "missing": draw(st.sampled_from(SUBSETS)),
        "also_cancel": draw(st.booleans()),
    }


@pytest.mark.parametrize("driver", ["sync", "async"])
@_settings
@given(data=st.data())
def test_honest(octopus_factory: Any, props: Any, caplog: Any, driver: str,
                data: st.DataObject) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="restart")
    caplog.clear()
    r = data.draw(refusals(), label="case")
    kind = r["kind"]
    event(f"refusal: {kind}")
    overrides: dict[str, Any] = {"wrong_key_status": r["wrong_key_status"]}
    if kind == "rejected":
        overrides["max_body_bytes"] = 64  # every task create is longer
    case = props.Case(scenario=r["scenario"], seed=r["seed"], policy=RestartPolicy(),
                      by=r["by"])
    note(props.describe(case) + f"\n  refusal: {kind}, wrong key {r['wrong_key']!r} answered "
         f"{r['wrong_key_status']}, missing {[str(p) for p in r['missing']]}"
         f"{' and TaskCancel' if r['also_cancel'] else ''}")
    sim = props.build(octopus_factory, case, **overrides)
    keys = {sim.api_key}
    api_key = None
    target = case.target()
    if kind == "wrong-key":
        api_key = r["wrong_key"]
        assume(api_key != sim.api_key)
    elif kind == "no-permission":
        missing = set(r["missing"]) | ({Permission.TaskCancel} if r["also_cancel"] else set())
        user = sim.world.add_user("restarter", system_permissions=(), space_permissions={
            "Spaces-1": [p for p in Permission if p not in missing]})
        api_key = sim.world.add_api_key(user.id, purpose="restart").key
    elif kind == "unknown-machine-id":
        target = RestartTarget("Spaces-1", machine_id="Machines-99")
    elif kind == "unknown-machine-name":
        target = RestartTarget("Spaces-1", machine_name="no-such-machine")
    elif kind == "unknown-space":
        target = RestartTarget("Spaces-99", machine_id="Machines-1")
    if api_key:
        keys.add(api_key)

    run = props.run_client(sim, case, driver, target=target, api_key=api_key)
    _assert_secret(props, run, keys, caplog)
    if kind == "none":
        return

    error_type, status, advice = EXPECTED[kind]
    if kind == "wrong-key":  # servers differ: 401 or 403 for a key that does not exist
        status = r["wrong_key_status"]
    error = run.error
    assert isinstance(error, error_type), props.explain(
        run, f"{kind}: expected {error_type.__name__}, got {error!r}")
    assert kind != "wrong-key" or not isinstance(error, PermissionDeniedError), props.explain(
        run, "a key that does not exist is no missing permission")
    assert getattr(error, "status", None) == status, props.explain(
        run, f"{kind}: the error's status is {getattr(error, 'status', None)}, not {status}")
    assert advice in str(error), props.explain(
        run, f"{kind}: the message does not say what to do ({advice!r}): {error}")
    assert isinstance(error, RestartError) and run.report is not None
    assert run.report.exit_code == error.exit_code

    refused = [i for i, s in enumerate(run.sent) if s.status in REFUSED]
    if status is None:  # refused by the client itself, from an answer it could not use
        refused = [len(run.sent) - 1]
    assert refused, props.explain(run, f"{kind}: no request was refused")
    first = run.sent[refused[0]]
    cancels = [i for i, s in enumerate(run.sent) if s.path.endswith("/cancel")]
    until = min(cancels, default=len(run.sent))  # a read-back after a refused cancel is no retry
    again = [s for s in run.sent[refused[0] + 1:until] if s.same_request(first)]
    assert not again, props.explain(
        run, f"{kind}: {first.method} {first.path} was retried {len(again)} time(s)")
    assert run.returned_at == first.done, props.explain(
        run, f"{kind}: returned {run.returned_at - first.done:g} s after the refusal")


def _assert_secret(props: Any, run: Any, keys: set[str], caplog: Any) -> None:
    texts = {"journal": run.sim.timeline(),
             "progress": "\n".join(f"{p.text} {p.link or ''}" for p in run.progress),
             "log records": caplog.text + "\n".join(
                 f"{rec.getMessage()} {rec.args!r} {rec.exc_text or ''}"
                 for rec in caplog.records)}
    if run.error is not None:
        texts["error"] = f"{run.error} {run.error!r}"
    if run.report is not None:
        texts["report"] = f"{run.report!r} {json.dumps(run.report.to_dict())}"
    assert caplog.records, "no log records were captured: the check below would prove nothing"
    for where, text in texts.items():
        for key in keys:
            found = re.search(re.escape(key), text)
            assert found is None, props.explain(run, f"the API key appears in the {where}")
