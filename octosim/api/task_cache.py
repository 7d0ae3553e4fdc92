"""Rendered TaskResources, memoised until the task changes.

Clients poll one task every few seconds, and rendering it (about twenty fields, five dates)
and serialising it costs more than the rest of a request together; the latency benchmark
holds the simulator to 1.25x a static mock. A task's JSON changes only when the task
changes (:attr:`~octosim.model.tasks.Task.revision`, which every change to it bumps) or,
while it is not complete, its human ``Duration`` changes, so those two are the cache key:
a field added to tasks later can never be served stale. The cached value is shared between
responses: treat ``ApiResponse.data`` as read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from octosim.api.messages import ApiResponse, encode_json
from octosim.api.timefmt import Dates, duration_text
from octosim.model.tasks import Task

__all__ = ["FixedFields", "Render", "TaskCache"]

#: Renders a task's fields that never change (``octosim.api.tasks.task_fixed_fields``).
FixedFields = Callable[[Task, Dates], dict[str, Any]]
#: Renders a TaskResource at a time from those fields (``octosim.api.tasks.task_resource``).
Render = Callable[[Task, Dates, float, "dict[str, Any] | None"], dict[str, Any]]

# Enough for every task a test polls; cleared (not LRU) when full, since a clear is cheap
# and a list of 100,000 tasks would otherwise pin 100,000 rendered dicts.
_LIMIT = 4096


class TaskCache:
    """TaskResources of one simulation, rendered with ``dates`` by the tasks area's
    ``render`` and ``fixed_fields`` (handed in, so that this cache sits below the handlers
    that use it)."""

    __slots__ = ("_entries", "_fixed", "dates", "fixed_fields", "render")

    def __init__(self, dates: Dates, *, render: Render, fixed_fields: FixedFields) -> None:
        self.dates = dates
        self.render = render
        self.fixed_fields = fixed_fields
        # task id → [key, data, content or None (serialised on first need)]
        self._entries: dict[str, list[Any]] = {}
        # task id → the TaskResource fields that never change (task_fixed_fields)
        self._fixed: dict[str, dict[str, Any]] = {}

    def _entry(self, task: Task, now: float) -> list[Any]:
        if task.completed_time is None:
            since = task.start_time if task.start_time is not None else task.queue_time
            duration: str | None = duration_text(max(0.0, now - since))
        else:
            duration = None  # fixed once completed
        key = (task.revision, duration)
        entry = self._entries.get(task.id)
        if entry is None or entry[0] != key:
            if len(self._entries) >= _LIMIT:
                self._entries.clear()
                self._fixed.clear()
            fixed = self._fixed.get(task.id)
            if fixed is None:
                fixed = self._fixed[task.id] = self.fixed_fields(task, self.dates)
            entry = [key, self.render(task, self.dates, now, fixed), None]
            self._entries[task.id] = entry
        return entry

    def resource(self, task: Task, now: float) -> dict[str, Any]:
        """Return ``task`` as a TaskResource at virtual time ``now``."""
        data: dict[str, Any] = self._entry(task, now)[1]
        return data

    def response(self, task: Task, now: float) -> ApiResponse:
        """Return a 200 with ``task``'s TaskResource whose body bytes are serialised only
        when read (the direct driver reads ``data`` alone), then kept in the cache entry so
        the next poll of an unchanged task reuses them."""
        entry = self._entry(task, now)
        return _CachedTaskResponse(entry)

    def details_response(
        self, task: Task, now: float, render: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> ApiResponse:
        """Return a 200 whose data is ``render(resource)``, ``resource`` being ``task``'s
        memoised TaskResource (a TaskDetailsResource embeds it). The body is serialised
        whole: orjson writes the embedded resource again faster than splicing in its
        memoised bytes took."""
        return ApiResponse(200, render(self._entry(task, now)[1]))


def _entry_json(entry: list[Any]) -> bytes:
    if entry[2] is None:
        entry[2] = encode_json(entry[1])
    content: bytes = entry[2]
    return content


class _CachedTaskResponse(ApiResponse):
    """A 200 TaskResource whose ``content`` comes from (and is memoised in) a cache entry.
    The entry is never mutated once built (a changed task gets a new entry), so the bytes
    always match ``data``."""

    __slots__ = ("_entry",)

    def __init__(self, entry: list[Any]) -> None:
        super().__init__(200, entry[1])
        self._entry = entry

    @property
    def content(self) -> bytes:
        """The body bytes (serialised on the first read of this task state only)."""
        return _entry_json(self._entry)
