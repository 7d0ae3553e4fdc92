"""The journal renders a readable, deterministic timeline."""

from __future__ import annotations

from octosim.journal import Journal, Kind


def test_timeline_lines_and_filters() -> None:
    journal = Journal()
    journal.record(0, Kind.Task, "ServerTasks-1 created", "ServerTasks-1")
    journal.record(1.5, Kind.Request, "GET /api → 200")
    journal.record(35, Kind.Service, "web-01: service stopped", "Machines-1")
    text = journal.timeline()
    assert text.splitlines() == [
        "[    0.000s] task     ServerTasks-1 created",
        "[    1.500s] request  GET /api → 200",
        "[   35.000s] service  web-01: service stopped",
    ]
    assert journal.timeline(kinds={Kind.Service}) == "[   35.000s] service  web-01: service stopped"
    assert journal.timeline(last=1).splitlines()[0] == "... 2 earlier entries not shown"
    assert [e.text for e in journal.entries(subject="ServerTasks-1")] == ["ServerTasks-1 created"]
    assert len(journal.entries(kind=Kind.Request)) == 1


def test_limit_keeps_newest_and_says_so() -> None:
    journal = Journal(limit=2)
    for i in range(5):
        journal.record(i, Kind.Note, f"n{i}")
    assert [e.text for e in journal] == ["n3", "n4"]
    assert journal.timeline().splitlines()[0] == "... 3 earlier entries dropped (journal limit)"


def test_entries_are_named_tuples_built_by_their_fields() -> None:
    journal = Journal()
    journal.record(2.0, Kind.Note, "hello", "Machines-1")
    [entry] = journal
    assert (entry.t, entry.kind, entry.text, entry.subject) == (2.0, Kind.Note, "hello",
                                                                "Machines-1")
    assert entry._fields == ("t", "kind", "text", "subject")
