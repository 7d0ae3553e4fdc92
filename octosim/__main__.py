"""``python -m octosim``: the ``octosim`` command (octosim.cli)."""

from octosim.cli import main

raise SystemExit(main())
