"""The Tentacle restart client: library and ``restart-tentacle`` CLI."""

__all__: list[str] = []
