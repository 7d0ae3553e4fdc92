"""octosim: a simulated Octopus Deploy server on a virtual clock."""

__all__: list[str] = []
