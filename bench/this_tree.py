"""Imported first by every benchmark script: puts the tree the script lives in first on the
import path, so that the script measures *this* tree's octosim and restart.

Python puts only the script's own folder (``bench/``) on the path, so without this a script
run from a second checkout or a git worktree that shares one virtualenv imports whatever the
editable install points at, another tree, and measures that one.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["ROOT"]

#: The repository root holding this ``bench/`` folder.
ROOT = str(Path(__file__).resolve().parent.parent)

if ROOT not in sys.path:
    sys.path.insert(1, ROOT)  # after bench/ itself, before site-packages
elif sys.path.index(ROOT) > 1:
    sys.path.remove(ROOT)
    sys.path.insert(1, ROOT)
