"""``python -m restart``: the ``restart-tentacle`` CLI."""

from __future__ import annotations

import sys

from restart.commands import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
