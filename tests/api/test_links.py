"""CollectionLinks keys GET /api's memo: its hash (computed once) must follow equality."""

from __future__ import annotations

from octosim.api.links import CollectionLink, CollectionLinks


def test_equal_link_sets_hash_alike_and_different_ones_apart() -> None:
    tasks = CollectionLink("Tasks", "/api/tasks", "{/id}")
    first = CollectionLinks.of([tasks, CollectionLink("Spaces", "/api/spaces")])
    again = CollectionLinks.of([CollectionLink("Tasks", "/api/tasks", "{/id}"),
                                CollectionLink("Spaces", "/api/spaces")])
    other = CollectionLinks.of([tasks])
    assert first == again and hash(first) == hash(again)
    assert {first: "root"}[again] == "root"
    assert first != other and other not in {first: "root"}
    assert hash(first) == hash(first.links)  # what the memo hashed before it was kept
