"""The procedure's toolbox: requests with retries inside a time limit, and server tasks
(create without duplicates, poll, cancel). Every method is a generator to ``yield from``.

The limit is the procedure's business: it is the work deadline while restarting and the
cleanup deadline while cleaning up. Nothing here sleeps or waits past it; instead
:class:`DeadlineReached` is raised, early when a wait could not end in time anyway.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

from restart._http import (
    describe_event,
    error_for,
    is_ambiguous,
    is_success,
    is_transient,
    retry_after,
)
from restart._narration import clause
from restart.errors import ServerError
from restart.policy import RestartPolicy
from restart.protocol import Event, Request, Response, Send, Sleep, TransportFailure
from restart.report import TaskRecord

__all__ = [
    "CLOCK_TOLERANCE",
    "COMPLETED_STATES",
    "DeadlineReached",
    "Session",
    "Steps",
    "TrackedTask",
    "json_object",
    "timespan",
]

T = TypeVar("T")
Steps = Generator[Send | Sleep, Event, T]

#: Task states after which a task never changes again.
COMPLETED_STATES = frozenset({"Success", "Failed", "Canceled", "TimedOut"})


@lru_cache(maxsize=256)
def _segment(part: str) -> str:
    # A run builds a dozen paths from the same few parts (the space, "tasks", task ids):
    # quote each once. Pure function of its argument, so memoising it changes nothing.
    return quote(part, safe="")


class DeadlineReached(Exception):
    """The current time limit does not leave room for the next request or wait."""


def timespan(seconds: float) -> str:
    """Return whole ``seconds`` (rounded down) as a .NET TimeSpan string, ``[d.]hh:mm:ss``."""
    total = max(0, math.floor(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock}" if days else clock


def json_object(response: Response, request: Request) -> dict[str, Any]:
    """Return the response body as a JSON object. Raises ServerError when it is not one
    (a proxy's HTML page, a server that is not Octopus)."""
    if isinstance(response.json, dict):
        return response.json
    raise ServerError(
        f"Octopus answered {request.describe()} with something that is not a JSON object "
        f"(HTTP {response.status}). Check that the URL points at the Octopus server itself, "
        "not at a proxy or login page.",
        status=response.status,
    )


@dataclass
class TrackedTask:
    """A task this run created (or may have created), and what is known of it."""

    id: str
    kind: str
    description: str
    state: str | None
    web_link: str
    created: float
    cancel_requested: bool = False

    @property
    def completed(self) -> bool:
        """True once the task is known to be in a final state."""
        return self.state in COMPLETED_STATES

    def record(self) -> TaskRecord:
        """Return the immutable record for the report."""
        return TaskRecord(
            self.id, self.kind, self.description, self.state, self.web_link, self.created
        )


#: Seconds the server's clock may move against the run's before the run dates its tasks'
#: QueueTimeExpiry again: more than the second a Date header rounds away and a request's
#: time in flight.
CLOCK_TOLERANCE = 2.0


class Session:
    """Requests, retries and task bookkeeping for one run. ``clock`` returns the driver's
    time as last handed to the procedure; ``limit`` is the time nothing may run past;
    ``narrate`` (optional) receives a line per request and per retry, with the reason."""

    def __init__(
        self,
        *,
        policy: RestartPolicy,
        rng: random.Random,
        space_id: str,
        web_base_url: str,
        clock: Callable[[], float],
        narrate: Callable[[str], None] | None = None,
    ) -> None:
        self.policy = policy
        # Told each request's result and each retry's reason (``-v``); None: nobody listens,
        # and the hot path formats nothing.
        self.narrate = narrate
        self.rng = rng
        self.space_id = space_id
        self.web_base_url = web_base_url.rstrip("/")
        self.clock = clock
        self.limit = math.inf
        self.requests = 0
        self.retries = 0
        self.tasks: dict[str, TrackedTask] = {}
        # Description of each create whose task may exist unseen -> (kind, task type): one
        # in flight (until its answer is read) or one that failed ambiguously (kept to the
        # end: a create still on its way may turn up after a lookup missed it). The cleanup
        # looks each up and cancels what it finds.
        self.ambiguous: dict[str, tuple[str, str]] = {}
        #: The hard deadline, on ``clock``. Once set, the first answer with a ``Date`` header
        #: turns it into the server's time: :attr:`queue_time_expiry`.
        self.deadline: float | None = None
        #: Sent as every created task's ``QueueTimeExpiry`` (ISO 8601, the server's time of
        #: the deadline): a task still Queued then is TimedOut by Octopus itself, so none
        #: starts after the run gave up, even if the run dies before its cleanup. Dated
        #: again when the server's clock moves against ours (see _learn_server_time).
        self.queue_time_expiry: str | None = None
        # The server's clock minus ours when queue_time_expiry was dated, and the last Date
        # text read (answers within one second share it: nothing new to learn).
        self._server_offset: float | None = None
        self._last_date: str | None = None
        #: Told once per task that is still Queued a poll after it was created, with the
        #: number of tasks Octopus is running then (what holds the task cap).
        self.on_queued: Callable[[TrackedTask, int | None], None] | None = None
        # Task id -> tasks running when it was seen still Queued (None: could not tell).
        self._running_when_queued: dict[str, int | None] = {}

    # -- paths ---------------------------------------------------------------------------
    def space_path(self, *parts: str) -> str:
        """Return ``/api/{space}/part/...`` with every part percent-encoded."""
        return "/".join(["/api", *(_segment(p) for p in (self.space_id, *parts))])

    # -- time ----------------------------------------------------------------------------
    def left(self) -> float:
        """Seconds until the limit."""
        return self.limit - self.clock()

    def sleep(self, seconds: float, why: str = "wait") -> Steps[None]:
        """Sleep ``seconds``. Raises DeadlineReached at once if the sleep would reach the
        limit: nothing useful could follow it."""
        if seconds <= 0:
            return
        if self.clock() + seconds >= self.limit:
            raise DeadlineReached(f"no time left for a {seconds:g} s {why}")
        yield Sleep(seconds)

    def _learn_server_time(self, response: Response) -> None:
        # The server's clock, not ours, decides when QueueTimeExpiry has passed, and the
        # two may disagree by minutes; Date is whole seconds, so round the room down. Every
        # answer's Date is read, not only the first: should the server's clock move against
        # ours during the run (a clock stepped by NTP, a VM resumed, a simulator serving
        # faster than real time), an expiry dated once would pass too early, timing every
        # later task out unstarted, or too late, letting a task start after the run gave up.
        text = response.header("date")
        if self.deadline is None or text is None or text == self._last_date:
            return
        self._last_date = text
        try:
            server_now = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return
        if server_now.tzinfo is None:
            return
        offset = server_now.timestamp() - self.clock()
        moved = None if self._server_offset is None else offset - self._server_offset
        if moved is not None and abs(moved) < CLOCK_TOLERANCE:
            return
        self._server_offset = offset
        room = math.floor(self.deadline - self.clock())
        expiry = server_now.astimezone(UTC) + timedelta(seconds=room)
        self.queue_time_expiry = expiry.isoformat()
        if moved is not None and self.narrate is not None:
            self.narrate(f"The server's clock moved {moved:+.0f} s against this run's: tasks "
                         f"created from now on expire at {self.queue_time_expiry}")

    # -- requests ------------------------------------------------------------------------
    def send(self, request: Request) -> Steps[Event]:
        """Send ``request`` once, with a timeout that ends by the limit. Returns the event.
        Raises DeadlineReached when the limit has passed."""
        left = self.left()
        if left <= 0:
            raise DeadlineReached(f"no time left to send {request.describe()}")
        self.requests += 1
        event = yield Send(request, min(self.policy.request_timeout, left))
        if self.narrate is not None:
            ok = isinstance(event, Response) and is_success(event)
            answer = f"HTTP {event.status}" if isinstance(event, Response) and ok else (
                describe_event(event)
            )
            self.narrate(f"{request.describe()}: {clause(answer)}")
        if isinstance(event, Response):
            self._learn_server_time(event)
        return event

    def call(self, request: Request) -> Steps[Response]:
        """Send ``request`` until it succeeds, retrying transient failures with backoff.

        Returns the 2xx Response. Raises the typed error of a fatal status (at once),
        ServerError after ``max_attempts`` transient failures, DeadlineReached when the
        limit leaves no room for the next try.
        """
        attempt = 1
        while True:
            event = yield from self.send(request)
            if is_success(event):
                assert isinstance(event, Response)
                return event
            if not is_transient(event):
                assert isinstance(event, Response)
                raise error_for(request, event)
            yield from self._retry(request, event, attempt)
            attempt += 1

    def _retry(self, request: Request, event: Event, attempt: int) -> Steps[None]:
        # Shared by call() and create_task(): give up, or count a retry and back off.
        if attempt >= self.policy.max_attempts:
            raise ServerError(
                f"Octopus kept failing {request.describe()}: {attempt} attempts, the last "
                # Octopus's own messages end in a full stop already.
                f"{describe_event(event).rstrip('.')}. Check that the server is up and "
                "reachable, then "
                "run again.",
                status=event.status if isinstance(event, Response) else None,
            )
        delay = self.policy.backoff(attempt, self.rng)
        asked = retry_after(event) if isinstance(event, Response) else None
        if asked is not None:
            # The server knows its own load better than our cap does.
            delay = max(delay, asked)
        why = f"retry of {request.describe()} ({clause(describe_event(event))})"
        self.retries += 1
        if self.narrate is not None:
            self.narrate(
                f"Retrying {request.describe()} in {delay:.1f} s (attempt {attempt + 1} of "
                f"{self.policy.max_attempts}): {clause(describe_event(event))}."
            )
        yield from self.sleep(delay, why)

    # -- tasks ---------------------------------------------------------------------------
    def web_link(self, task: dict[str, Any]) -> str:
        """Return the web-portal link of a TaskResource: base URL + ``Links.Web``."""
        links = task.get("Links")
        web = links.get("Web") if isinstance(links, dict) else None
        if not isinstance(web, str):
            web = f"/app#/{self.space_id}/tasks/{task.get('Id')}"
        return self.web_base_url + web

    def track(self, kind: str, task: dict[str, Any], description: str) -> TrackedTask:
        """Remember a task this run created; update it if already known. Returns it."""
        task_id = str(task.get("Id"))
        state = task.get("State")
        known = self.tasks.get(task_id)
        if known is None:
            known = TrackedTask(task_id, kind, description, None, self.web_link(task), self.clock())
            self.tasks[task_id] = known
        if isinstance(state, str):
            known.state = state
        return known

    def create_task(
        self,
        kind: str,
        name: str,
        description: str,
        arguments: dict[str, object],
        *,
        repeatable: bool = True,
    ) -> Steps[dict[str, Any]]:
        """Create a task (``POST /api/{space}/tasks``) and return its TaskResource.

        ``description`` must be unique to this create: after an ambiguous failure (no answer
        or a 5xx) the task list is searched for it before posting again, so a task Octopus
        did create is adopted rather than duplicated.

        A create whose answer was lost (a timeout, a connection dropped after the request
        went out) may still be on its way to Octopus, so a miss proves nothing.
        ``repeatable=False`` (the restart: two would restart the Tentacle twice) then never
        posts again: it looks for the task every ``poll_interval`` until it appears or the
        limit comes. Raises as :meth:`call`;
        DeadlineReached, saying so, when a lost create's task never appeared.
        """
        body: dict[str, object] = {
            "Name": name,
            "Description": description,
            "SpaceId": self.space_id,
            "Arguments": arguments,
        }
        if self.queue_time_expiry is not None:
            body["QueueTimeExpiry"] = self.queue_time_expiry
        request = Request("POST", self.space_path("tasks"), json=body)
        attempt = 1
        lost = False  # an answer was lost: a task may exist beside the one this returns
        while True:
            # Until an answer says whether the task exists, it may: an interrupt meanwhile (the
            # request in flight, or its answer not yet read) leaves the cleanup to look for it.
            self.ambiguous[description] = (kind, name)
            event = yield from self.send(request)
            if is_success(event):
                task = self._created(kind, description, request, event)
                if not lost:
                    del self.ambiguous[description]
                return task
            if not lost and not is_ambiguous(event):
                # Octopus refused this create (a 4xx, 408 and 429 included: they say it did
                # not act), so it created nothing: the cleanup has nothing to look up, whether
                # retries then run out, the limit comes or an interrupt lands in the backoff.
                # A transient 5xx (maybe a proxy's, after Octopus acted) and a lost answer are
                # ambiguous (is_ambiguous); after one of those the entry stays to the end,
                # whatever later attempts are told: that create may still turn into a task.
                del self.ambiguous[description]
            if not is_transient(event):
                assert isinstance(event, Response)
                raise error_for(request, event)
            if is_ambiguous(event):
                lost = True
                found = yield from self.find_tasks(kind, name, description)
                if found:
                    return found[0]
                # A refused connection never reached Octopus: only a lost *answer* may
                # still turn into a task.
                if not repeatable and isinstance(event, TransportFailure) and (
                    event.kind != "connect"
                ):
                    return (yield from self._await_lost_create(kind, name, description, event))
            yield from self._retry(request, event, attempt)
            attempt += 1

    def _created(
        self, kind: str, description: str, request: Request, event: Event
    ) -> dict[str, Any]:
        # A 2xx answer to a create: its TaskResource, tracked. Raises ServerError when it
        # is no task (a proxy's page): the create stays ambiguous then.
        assert isinstance(event, Response)
        task = json_object(event, request)
        if not isinstance(task.get("Id"), str):
            raise ServerError(
                f"Octopus answered {request.describe()} without a task Id; this is not "
                "a TaskResource. Check that the URL points at the Octopus server."
            )
        self.track(kind, task, description)
        return task

    def _await_lost_create(
        self, kind: str, name: str, description: str, lost: TransportFailure
    ) -> Steps[dict[str, Any]]:
        # Never post again: look for the task until it shows up (it is adopted) or the
        # limit comes (DeadlineReached, with the reason in words).
        what = f"{kind} task {description!r}"
        if self.narrate is not None:
            self.narrate(
                f"The answer to the {kind} task's create was lost ({lost.kind} error); it is "
                f"not sent again. Looking for the task every {self.policy.poll_interval:g} s."
            )
        while True:
            try:
                yield from self.sleep(self.policy.poll_interval, f"lookup of the {what}")
            except DeadlineReached:
                raise DeadlineReached(
                    f"the answer to the {kind} task's create was lost ({clause(lost.message)}) "
                    f"and no task {description!r} appeared; it was not sent again, so that "
                    "Octopus could not run it twice (look for it in the Octopus web portal)"
                ) from None
            found = yield from self.find_tasks(kind, name, description)
            if found:
                return found[0]

    def find_tasks(self, kind: str, name: str, description: str) -> Steps[list[dict[str, Any]]]:
        """Return (and track) the tasks of type ``name`` with exactly ``description``, newest
        first, from ``GET /api/{space}/tasks?name=NAME&take=30``. Raises as :meth:`call`."""
        request = Request("GET", self.space_path("tasks"), params=(("name", name), ("take", "30")))
        response = yield from self.call(request)
        items = json_object(response, request).get("Items")
        found = [
            item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
            and item.get("Description") == description
            and isinstance(item.get("Id"), str)
        ]
        for item in found:
            self.track(kind, item, description)
        return found

    def wait_for_task(
        self, task: dict[str, Any], waiting: Callable[[], None] | None = None
    ) -> Steps[dict[str, Any]]:
        """Poll ``GET /api/{space}/tasks/{id}`` every ``poll_interval`` until the task is
        complete; return its final TaskResource. ``waiting`` is called before each poll.

        A poll that fails transiently is a missed poll, retried a ``poll_interval`` (or the
        server's ``Retry-After``) later, so polls never come faster than the policy allows.
        Raises the typed error of a fatal status, DeadlineReached at the limit.
        """
        task_id = str(task.get("Id"))
        request = Request("GET", self.space_path("tasks", task_id))
        delay = self.policy.poll_interval
        while not _is_complete(task):
            if waiting is not None:
                waiting()
            try:
                yield from self.sleep(delay, f"poll of {task_id}")
            except DeadlineReached:
                if task.get("State") == "Queued":
                    raise DeadlineReached(self._stayed_queued(task_id)) from None
                raise
            event = yield from self.send(request)
            delay = self.policy.poll_interval
            if is_success(event):
                assert isinstance(event, Response)
                task = json_object(event, request)
                tracked = self.tasks.get(task_id)
                if tracked is not None:
                    self.track(tracked.kind, task, tracked.description)
                    if task.get("State") == "Queued" and task_id not in self._running_when_queued:
                        yield from self._note_queued(tracked)
                continue
            if not is_transient(event):
                assert isinstance(event, Response)
                raise error_for(request, event)
            self.retries += 1
            asked = retry_after(event) if isinstance(event, Response) else None
            if asked is not None:
                delay = max(delay, asked)
            if self.narrate is not None:
                self.narrate(
                    f"The poll of {task_id} failed ({clause(describe_event(event))}); "
                    f"polling again in {delay:g} s."
                )
        return task

    def running_tasks(self) -> Steps[int | None]:
        """Return how many tasks Octopus is running or has queued in the spaces the key can
        see (``GET /api/tasks?active=true&take=0``: its ``TotalResults``; None when the
        answer has none). Raises as :meth:`call`."""
        request = Request("GET", "/api/tasks", params=(("active", "true"), ("take", "0")))
        response = yield from self.call(request)
        total = response.json.get("TotalResults") if isinstance(response.json, dict) else None
        return total if isinstance(total, int) else None

    def _note_queued(self, tracked: TrackedTask) -> Steps[None]:
        # Once per task: what stands in front of it, for the warning and the timeout reason.
        request = Request("GET", "/api/tasks", params=(("running", "true"), ("take", "0")))
        response = yield from self.call(request)
        total = response.json.get("TotalResults") if isinstance(response.json, dict) else None
        running = total if isinstance(total, int) else None
        self._running_when_queued[tracked.id] = running
        if self.on_queued is not None:
            self.on_queued(tracked, running)

    def _stayed_queued(self, task_id: str) -> str:
        tracked = self.tasks.get(task_id)
        what = f"the {tracked.kind} task {task_id}" if tracked else f"task {task_id}"
        running = self._running_when_queued.get(task_id)
        if running:
            return (f"{what} stayed Queued behind {running} running task(s): the task cap is "
                    "full")
        return f"{what} stayed Queued"

    def cancel_task(self, tracked: TrackedTask) -> Steps[None]:
        """Cancel a task (``POST /api/{space}/tasks/{id}/cancel`` with ``{}``) and record the
        state Octopus answers. Raises as :meth:`call`."""
        request = Request("POST", self.space_path("tasks", tracked.id, "cancel"), json={})
        tracked.cancel_requested = True
        response = yield from self.call(request)
        state = response.json.get("State") if isinstance(response.json, dict) else None
        tracked.state = state if isinstance(state, str) else "Cancelling"

    def refresh_task(self, tracked: TrackedTask) -> Steps[None]:
        """Read a task's current state once. Raises as :meth:`call`."""
        request = Request("GET", self.space_path("tasks", tracked.id))
        response = yield from self.call(request)
        state = json_object(response, request).get("State")
        if isinstance(state, str):
            tracked.state = state


def _is_complete(task: dict[str, Any]) -> bool:
    return task.get("IsCompleted") is True or task.get("State") in COMPLETED_STATES
