"""Draw a :class:`~restart.slot_timeline.SlotTimeline`: the server's task slots over time.

The upper panel has one row per slot and a bar for each task that held it, coloured by
kind (Deploy, RunbookRun, AdHocScript, Health, other) and labelled with the task's id where
the bar is wide enough; a step line marks the task cap when it changed. The lower panel has
a bar for each task that waited Queued, from its QueueTime to its StartTime (or to whatever
ended the wait, or to the end). A deadlock or stall is a shaded band across both panels,
with "deadlock began" (or "stall began") where it began.

matplotlib is optional (the ``plot`` extra), imported only when a picture is drawn, as in
:mod:`restart.validate_plot`, whose :class:`~restart.validate_plot.PlotUnavailable` this
raises (a command catches one error for both pictures) with the command that installs
it. The figure is drawn on the Agg canvas directly, never through pyplot, so no global
backend is switched and no window opens.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

from restart.slot_timeline import Blockage, SlotTimeline, TaskKind
from restart.validate_plot import INSTALL_HINT, PlotUnavailable

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

__all__ = [
    "FORMATS",
    "KIND_COLOURS",
    "PlotUnavailable",
    "UnknownFormat",
    "check_matplotlib",
    "check_target",
    "draw",
]

#: File suffix → the format matplotlib writes.
FORMATS = {".png": "png", ".svg": "svg"}

#: One colour per kind of task, in both panels.
KIND_COLOURS: dict[TaskKind, str] = {
    TaskKind.Deploy: "#1565c0",
    TaskKind.RunbookRun: "#6a1b9a",
    TaskKind.AdHocScript: "#ef6c00",
    TaskKind.Health: "#2e7d32",
    TaskKind.Other: "#757575",
}
_DEADLOCK = "#c62828"
_STALL = "#f9a825"
_STALL_TEXT = "#9a6700"  # the band's amber is too light to read as text
_FONT = 7  # points, for labels inside bars
_WIDTH = 11.0  # inches
_DPI = 110
# The share of the figure's width the panels get (the rest: tick labels and the legend);
# used only to judge whether a task id fits inside its bar.
_PANEL_SHARE = 0.72
# Above this many waits the lower panel's rows are too thin to name.
_NAMED_WAITS = 40
# The subtitle names this many slot holders of a blockage, and counts the rest.
_NAMED_HOLDERS = 3
# ... and this many blockages, one line each.
_NAMED_BLOCKAGES = 2


class UnknownFormat(ValueError):
    """A file name whose suffix names no format this module writes."""


def check_matplotlib() -> None:
    """Raise PlotUnavailable (with the install command) unless matplotlib can be imported."""
    if importlib.util.find_spec("matplotlib") is None:
        raise PlotUnavailable(
            f"drawing a slot timeline needs matplotlib, which is not installed: {INSTALL_HINT}"
        )


def check_target(path: str | Path) -> Path:
    """Return ``path`` as a Path after checking what can be checked before a run: a suffix
    of :data:`FORMATS`, matplotlib installed, a folder that exists and can be written.

    Raises UnknownFormat, PlotUnavailable or ValueError (the folder), each saying what to
    do, so a command can refuse bad input before it simulates anything.
    """
    target = Path(path)
    _format_of(target)
    check_matplotlib()
    if target.is_dir():
        raise ValueError(f"{path} is a directory; give a file name such as slots.png")
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(f"the folder {str(folder)!r} does not exist; create it or choose "
                         "another path")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"the folder {str(folder)!r} is not writable; choose another path")
    return target


def draw(timeline: SlotTimeline, path: str | Path) -> Path:
    """Draw ``timeline`` into ``path`` (PNG or SVG, by its suffix); return the path.

    Raises UnknownFormat for another suffix (before anything is drawn), PlotUnavailable
    without matplotlib, OSError if the file cannot be written.
    """
    target = Path(path)
    fmt = _format_of(target)
    check_matplotlib()
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    waits = len(timeline.queued)
    slots_height = 0.45 + 0.38 * timeline.slots
    waits_height = 0.45 + (0.2 * waits if waits <= _NAMED_WAITS else 8.0)
    figure = Figure(figsize=(_WIDTH, min(18.0, 1.3 + slots_height + waits_height)),
                    layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[slots_height, waits_height])
    _slots(top, timeline)
    _waits(bottom, timeline)
    for axes in (top, bottom):
        for blockage in timeline.blockages:
            _band(axes, blockage, timeline.end)
        axes.grid(axis="x", alpha=0.3)
    for blockage in timeline.blockages:
        _began(top, blockage)
    span = timeline.end - timeline.start
    bottom.set_xlim(timeline.start, timeline.end if span > 0 else timeline.start + 1.0)
    bottom.set_xlabel("virtual seconds")
    figure.suptitle(timeline.title, fontsize=10, fontweight="bold")
    top.set_title(_subtitle(timeline), fontsize=8)
    _legend(top, timeline)
    # The same timeline gives the same file, byte for byte: no date, no version, and the
    # SVG's element ids salted with a constant instead of a random one.
    metadata: dict[str, str | None] = {"Date": None} if fmt == "svg" else {"Software": None}
    with rc_context({"svg.hashsalt": "octosim"}):
        figure.savefig(target, format=fmt, dpi=_DPI, metadata=metadata)
    return target


def _format_of(target: Path) -> str:
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        known = " or ".join(FORMATS)
        shown = repr(target.suffix) if target.suffix else "no suffix"
        raise UnknownFormat(f"{shown} is not a picture format this writes; name the file "
                            f"{known}")
    return fmt


def _slots(axes: Axes, timeline: SlotTimeline) -> None:
    scale = _inches_per_second(timeline)
    for task in timeline.ran():
        held = task.held(timeline.end)
        assert held is not None and task.slot is not None  # ran() holds only these
        began, ended = held
        colour = KIND_COLOURS[task.kind]
        axes.broken_barh([(began, ended - began)], (task.slot - 0.4, 0.8),
                         facecolors=colour, edgecolors="white", linewidth=0.6)
        if _fits(task.id, ended - began, scale):
            axes.text((began + ended) / 2, task.slot, task.id, ha="center", va="center",
                      fontsize=_FONT, color="white", clip_on=True)
    if timeline.cap_changes:
        # The line under the last slot the cap allows: bars below it ran over a lowered cap.
        xs = [span.began for span in timeline.caps] + [timeline.caps[-1].ended]
        ys = [span.cap - 0.5 for span in timeline.caps]
        axes.stairs(ys, xs, baseline=None, color="black", linestyle="--", linewidth=1.2)
    axes.set_yticks(range(timeline.slots), [f"slot {n + 1}" for n in range(timeline.slots)])
    axes.set_ylim(timeline.slots - 0.5, -0.5)  # slot 1 on top
    axes.set_ylabel("task slots", fontsize=8)


def _waits(axes: Axes, timeline: SlotTimeline) -> None:
    waits = timeline.queued
    if not waits:
        axes.text(0.5, 0.5, "no task waited Queued", transform=axes.transAxes,
                  ha="center", va="center", fontsize=8, color="#555555")
        axes.set_yticks([])
        axes.set_ylabel("Queued", fontsize=8)
        return
    scale = _inches_per_second(timeline)
    named = len(waits) <= _NAMED_WAITS
    for row, wait in enumerate(waits):
        colour = KIND_COLOURS[wait.kind]
        axes.broken_barh([(wait.began, wait.seconds)], (row - 0.35, 0.7),
                         facecolors=colour, alpha=0.45, edgecolors=colour, linewidth=0.6)
        # The row's tick names the task; the bar says how long it waited and what ended it.
        ending = wait.then if wait.then.startswith("still") else f"then {wait.then}"
        label = f"{_seconds(wait.seconds)}, {ending}"
        if named and _fits(label, wait.seconds, scale):
            axes.text(wait.began, row, f" {label}", ha="left", va="center", fontsize=_FONT,
                      clip_on=True)
    if named:
        axes.set_yticks(range(len(waits)), [wait.task for wait in waits], fontsize=_FONT)
    else:
        axes.set_yticks([])
    axes.set_ylim(len(waits) - 0.5, -0.5)
    axes.set_ylabel(f"Queued ({len(waits)} waited)", fontsize=8)


def _band(axes: Axes, blockage: Blockage, end: float) -> None:
    colour = _DEADLOCK if blockage.is_deadlock else _STALL
    ended = blockage.ended if blockage.ended is not None else end
    # Behind the bars: the band says when, the bars still say who.
    axes.axvspan(blockage.began, max(ended, blockage.began), color=colour, alpha=0.14,
                 linewidth=0, zorder=0)
    axes.axvline(blockage.began, color=colour, linewidth=1.2, zorder=3)


def _began(axes: Axes, blockage: Blockage) -> None:
    colour = _DEADLOCK if blockage.is_deadlock else _STALL_TEXT
    axes.annotate(
        f"{blockage.what} began at {_seconds(blockage.began)}", xy=(blockage.began, -0.5),
        xytext=(6, -2), textcoords="offset points", ha="left", va="top", fontsize=8,
        color=colour, fontweight="bold", annotation_clip=False,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
    )


def _subtitle(timeline: SlotTimeline) -> str:
    caps = " → ".join(f"{span.cap}" for span in timeline.caps)
    ran, waited = len(timeline.ran()), len(timeline.queued)
    text = f"task cap {caps}; {_count(ran, 'task')} ran, {waited} waited Queued"
    for blockage in timeline.blockages[:_NAMED_BLOCKAGES]:
        until = (f"until {_seconds(blockage.ended)}" if blockage.ended is not None
                 else "to the end")
        waits = [f"{holder} on {', '.join(waited)}"
                 for holder, waited in zip(blockage.holders, blockage.waits_on, strict=True)]
        if len(waits) > _NAMED_HOLDERS:
            waits[_NAMED_HOLDERS:] = [f"{len(waits) - _NAMED_HOLDERS} more"]
        text += (f"\n{blockage.what} from {_seconds(blockage.began)} {until}: the cap full of "
                 f"tasks waiting, {'; '.join(waits)}")
    more = len(timeline.blockages) - _NAMED_BLOCKAGES
    if more > 0:
        text += f"\nand {_count(more, 'more blockage')} (the shaded bands)"
    return text


def _legend(axes: Axes, timeline: SlotTimeline) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    present = {task.kind for task in timeline.tasks}
    handles: list[Artist] = [Patch(facecolor=KIND_COLOURS[kind], label=str(kind))
               for kind in TaskKind if kind in present]
    if any(b.is_deadlock for b in timeline.blockages):
        handles.append(Patch(facecolor=_DEADLOCK, alpha=0.3, label="deadlock"))
    if any(not b.is_deadlock for b in timeline.blockages):
        handles.append(Patch(facecolor=_STALL, alpha=0.3, label="stall"))
    if timeline.cap_changes:
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1.2,
                              label="task cap"))
    if handles:
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    fontsize=7, frameon=False)


def _seconds(t: float) -> str:
    # Enough digits to tell 0.96 s from 1 s, no more than a reader needs for 3600 s.
    return f"{t:.0f} s" if t >= 100 else f"{t:.1f} s" if t >= 10 else f"{t:.2f} s"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _inches_per_second(timeline: SlotTimeline) -> float:
    span = max(timeline.end - timeline.start, 1e-9)
    return _WIDTH * _PANEL_SHARE / span


def _fits(label: str, seconds: float, inches_per_second: float) -> bool:
    # A character of a small sans-serif font is about 0.6 em wide.
    needed = (len(label) + 1) * 0.6 * _FONT / 72
    return seconds * inches_per_second >= needed
