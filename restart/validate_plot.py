"""``--plot FILE.png``: every run's duration against the deadline, one row per scenario.

matplotlib is optional (the ``plot`` extra) and imported only here, only when a plot is
asked for; without it :class:`PlotUnavailable` says how to install it. The figure is drawn
with the Agg canvas directly, never through pyplot, so no global backend is switched and
nothing tries to open a window.
"""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from restart.policy import policy_flags
from restart.validate import ValidationResult
from restart.validate_stats import RunRecord

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["INSTALL_HINT", "PlotUnavailable", "check_plot_available", "plot"]

INSTALL_HINT = "pip install 'octosim[plot]'"

# Colours say what a run means, not which scenario it is.
_VERIFIED = "#2e7d32"
_NOT_RESTARTED = "#ef6c00"
_TIMED_OUT = "#1565c0"
_OTHER = "#757575"
_FALSE = "#c62828"
_LEGEND = (
    (_VERIFIED, "verified restart"),
    (_NOT_RESTARTED, "not restarted"),
    (_TIMED_OUT, "timed out"),
    (_OTHER, "failed (error)"),
    (_FALSE, "false success"),
)
# Points in a row are spread vertically (deterministically) so a thousand runs that took
# the same time do not hide behind one dot.
_JITTER = 0.28


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def check_plot_available() -> None:
    """Raise PlotUnavailable (with the install command) unless matplotlib can be imported."""
    if importlib.util.find_spec("matplotlib") is None:
        raise PlotUnavailable(
            f"--plot needs matplotlib, which is not installed: {INSTALL_HINT} "
            "(or leave out --plot)"
        )


def plot(result: ValidationResult, path: str | Path) -> Path:
    """Draw every run's duration against the deadline into ``path`` (PNG); return it.

    Client runs are dots coloured by what happened (verified, not restarted, timed out,
    failed, false success; a legend says which); with the seed script compared, its runs
    are crosses just below. The title names the policy; each row its verified share.
    Raises PlotUnavailable without matplotlib, OSError if the file cannot be written.
    """
    check_plot_available()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Each row: the scenario (and machine), and how many of its client runs were verified.
    names = [f"{s.title}\n{_pct(s.client.success_rate)} verified" for s in result.scenarios]
    figure = Figure(figsize=(11, 1.6 + 0.7 * len(names)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    compared = any(s.seed_runs for s in result.scenarios)
    for row, s in enumerate(result.scenarios):
        _points(axes, s.runs, row + (0.15 if compared else 0.0), "o")
        if compared:
            _points(axes, s.seed_runs, row - 0.25, "x")
    axes.axvline(result.policy.deadline, color="black", linestyle="--", linewidth=1)
    # Top right of the line, inside the axes (the y axis is inverted below).
    axes.text(result.policy.deadline, -0.55, f"deadline {result.policy.deadline:g} s ",
              ha="right", va="top", fontsize=8,
              bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1})
    axes.set_yticks(range(len(names)), names)
    axes.set_ylim(-0.6, len(names) - 0.4)
    axes.invert_yaxis()
    axes.set_xlabel("run duration (virtual seconds)")
    seed_note = ", × = the seed script on the same seeds" if compared else ""
    axes.set_title(
        f"{result.runs} runs per scenario; ● = the restart client{seed_note}\n"
        + "\n".join(textwrap.wrap(f"policy: {policy_flags(result.policy)}", 110)),
        fontsize=8,
    )
    for colour, label in _LEGEND:
        axes.scatter([], [], c=colour, marker="o", s=12, label=label)
    # Outside the axes: inside, it would hide the runs near the deadline.
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    axes.grid(axis="x", alpha=0.3)
    target = Path(path)
    figure.savefig(target, format="png", dpi=110)
    return target


def _points(axes: Axes, runs: tuple[RunRecord, ...], y: float, marker: str) -> None:
    if not runs:
        return
    n = len(runs)
    xs = [r.duration for r in runs]
    ys = [y + _JITTER * ((i * 0.618_034) % 1.0 - 0.5) for i in range(n)]  # golden-ratio spread
    colours = [_colour(r) for r in runs]
    axes.scatter(xs, ys, c=colours, marker=marker, s=8, alpha=0.6, linewidths=0.8)


def _colour(run: RunRecord) -> str:
    if run.false_success:
        return _FALSE
    if run.verified_success:
        return _VERIFIED
    return {"not_restarted": _NOT_RESTARTED, "timed_out": _TIMED_OUT}.get(
        run.outcome.value, _OTHER
    )


def _pct(rate: float) -> str:
    # As the tables show it: never round 99.96% up to a "100.0%" that hides a failure.
    text = f"{rate * 100:.1f}%"
    return "99.9%" if text == "100.0%" and rate < 1.0 else text
