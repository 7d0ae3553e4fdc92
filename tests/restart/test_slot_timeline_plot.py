"""Drawing a slot timeline (restart.slot_timeline_plot): PNG and SVG by suffix, a clear error
for any other suffix or a missing matplotlib, and what the picture holds.

matplotlib comes with the ``plot`` extra, which ``.[test]`` includes: the tests that draw are
skipped, saying so, only where it is not installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import sys
from pathlib import Path

import pytest

from restart.commands import main
from restart.exitcodes import ExitCode
from restart.slot_timeline import SlotTimeline, slot_timeline
from restart.slot_timeline_plot import (
    KIND_COLOURS,
    PlotUnavailable,
    UnknownFormat,
    check_target,
    draw,
)
from restart.validate_plot import PlotUnavailable as ValidatePlotUnavailable
from tests.model.fleet_sim import WaitsOnChild, fleet
from tests.restart.test_slot_timeline import seed_deployment

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
needs_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None,
    reason="matplotlib is not installed (pip install 'octosim[plot]')",
)


@pytest.fixture(scope="module")
def deadlocked() -> SlotTimeline:
    return slot_timeline(seed_deployment("Recipe"), scenario="seed-deployment",
                         outcome="deadlock")


@needs_matplotlib
def test_a_png_is_written_for_a_png_name(deadlocked: SlotTimeline, tmp_path: Path) -> None:
    target = draw(deadlocked, tmp_path / "slots.png")
    assert target == tmp_path / "slots.png"
    assert target.read_bytes()[:8] == PNG_MAGIC and target.stat().st_size > 5_000


@needs_matplotlib
def test_an_svg_is_written_for_an_svg_name_in_any_case(
    deadlocked: SlotTimeline, tmp_path: Path
) -> None:
    target = draw(deadlocked, str(tmp_path / "slots.SVG"))
    text = target.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    # What the picture says is in it: the title, the band's note, the task ids.
    for words in ("seed-deployment · seed 0 · deadlock", "deadlock began at 0.96 s",
                  "ServerTasks-1", "ServerTasks-2", "still Queued", "slot 1"):
        assert words in text, words


@needs_matplotlib
def test_the_same_timeline_draws_the_same_file(deadlocked: SlotTimeline, tmp_path: Path) -> None:
    for suffix in (".png", ".svg"):
        one, two = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
        assert draw(deadlocked, one).read_bytes() == draw(deadlocked, two).read_bytes()


def test_an_unknown_suffix_is_refused_before_anything_is_drawn(
    deadlocked: SlotTimeline, tmp_path: Path
) -> None:
    for name, shown in (("slots.jpg", "'.jpg'"), ("slots", "no suffix")):
        with pytest.raises(UnknownFormat, match=rf"{shown} is not a picture format this "
                                                r"writes; name the file \.png or \.svg"):
            draw(deadlocked, tmp_path / name)
        with pytest.raises(UnknownFormat):
            check_target(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_it_says_how_to_install_it(
    deadlocked: SlotTimeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    with pytest.raises(PlotUnavailable, match=r"needs matplotlib, which is not installed: "
                                              r"pip install 'octosim\[plot\]'"):
        draw(deadlocked, tmp_path / "slots.png")
    with pytest.raises(PlotUnavailable):
        check_target(tmp_path / "slots.png")
    # One error type for both pictures, so a command catches one.
    assert PlotUnavailable is ValidatePlotUnavailable


@needs_matplotlib
def test_a_target_is_checked_before_a_run(tmp_path: Path) -> None:
    assert check_target(tmp_path / "a.png") == tmp_path / "a.png"
    with pytest.raises(ValueError, match=r"the folder .* does not exist; create it"):
        check_target(tmp_path / "missing" / "a.png")
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ValueError, match=r"dir\.png is a directory; give a file name"):
        check_target(tmp_path / "dir.png")


@needs_matplotlib
def test_a_fleet_with_a_changed_cap_a_stall_and_no_waits_all_draw(tmp_path: Path) -> None:
    sim, _ = fleet(3, [WaitsOnChild(prepare=2.0 * n, expiry=40.0, give_up_after=30.0)
                       for n in range(1, 6)])
    sim.clock.advance_to(200)
    sim.engine.task_cap = 6
    sim.clock.advance_to(400)
    timeline = slot_timeline(sim, scenario="fleet", outcome="finished")
    assert timeline.cap_changes and timeline.blockages and timeline.queued
    text = draw(timeline, tmp_path / "fleet.svg").read_text(encoding="utf-8")
    assert "stall began at" in text and "task cap 3 → 6" in text and "stall" in text
    quiet, _ = fleet(5, [WaitsOnChild()])
    quiet.clock.advance_to(100)
    text = draw(slot_timeline(quiet), tmp_path / "quiet.svg").read_text(encoding="utf-8")
    assert "no task waited Queued" in text and "began at" not in text


@needs_matplotlib
def test_blockage_after_blockage_each_has_its_band_and_the_subtitle_counts_the_rest(
    tmp_path: Path,
) -> None:
    # Cap 1, four deployments whose steps give up 20 s after queuing their child: each in
    # turn deadlocks the cap until its step gives up.
    sim, _ = fleet(1, [WaitsOnChild(give_up_after=20.0)] * 4)
    sim.clock.advance_to(200)
    timeline = slot_timeline(sim)
    assert [(b.began, b.ended, b.what) for b in timeline.blockages] == [
        (10.0, 30.0, "deadlock"), (40.0, 60.0, "deadlock"), (70.0, 90.0, "deadlock"),
        (100.0, 120.0, "deadlock")]
    text = draw(timeline, tmp_path / "four.svg").read_text(encoding="utf-8")
    assert text.count("deadlock began at") == 4
    assert "deadlock from 10.0 s until 30.0 s" in text and "and 2 more blockages" in text


def test_every_kind_has_its_own_colour() -> None:
    assert len(set(KIND_COLOURS.values())) == len(KIND_COLOURS) == 5


# -- restart-tentacle simulate --plot-slots ---------------------------------------------------
def simulate(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", "--no-timeline", *argv], stdout=out, stderr=err, env={})
    return code, out.getvalue(), err.getvalue()


@needs_matplotlib
def test_simulate_draws_the_runs_slots_and_keeps_its_exit_code(tmp_path: Path) -> None:
    target = tmp_path / "slots.svg"
    code, out, err = simulate("--scenario", "busy-server", "--plot-slots", str(target))
    assert code == ExitCode.RESTARTED and "restarted after" in out
    assert f"slot timeline written to {target}" in err
    text = target.read_text(encoding="utf-8")
    assert "busy-server · seed 0 · restarted" in text and "slot 5" in text
    code, _, _ = simulate("--scenario", "never-returns", "--deadline", "120", "-q",
                          "--plot-slots", str(tmp_path / "late.png"))
    assert code == ExitCode.TIMED_OUT
    assert (tmp_path / "late.png").read_bytes()[:8] == PNG_MAGIC


def test_simulate_refuses_a_picture_it_cannot_draw_before_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = simulate("--scenario", "default", "--plot-slots", str(tmp_path / "s.gif"))
    assert code == ExitCode.USAGE and out == ""
    assert "--plot-slots" in err and "'.gif' is not a picture format this writes; name the " \
           "file .png or .svg" in err
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    code, out, err = simulate("--scenario", "default", "--plot-slots", str(tmp_path / "s.png"))
    assert code == ExitCode.USAGE and out == ""
    assert "pip install 'octosim[plot]' (or leave out --plot-slots)" in err


@needs_matplotlib
def test_simulate_refuses_a_missing_folder_and_says_when_writing_fails_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = simulate("--scenario", "default", "--plot-slots",
                              str(tmp_path / "nope" / "s.png"))
    assert code == ExitCode.USAGE and out == "" and "does not exist; create it" in err
    import restart.slot_timeline_plot as plot

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plot, "draw", full_disk)
    code, out, err = simulate("--scenario", "default", "--plot-slots", str(tmp_path / "s.png"))
    assert code == ExitCode.USAGE and "restarted after" in out  # the run is still reported
    assert "cannot write the slot timeline" in err and "No space left on device" in err


# -- docs/fleets.md, "Reading a slot timeline" ------------------------------------------------
DOC = Path(__file__).resolve().parents[2] / "docs" / "fleets.md"


@needs_matplotlib
def test_the_docs_script_draws_both_pictures_and_prints_its_comments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = DOC.read_text(encoding="utf-8").split("## Reading a slot timeline", 1)[1]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    (tmp_path / "docs" / "img").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    assert out.getvalue().splitlines() == re.findall(r"^# (.*)$", code, re.M)
    for method in ("recipe", "client"):
        drawn = tmp_path / "docs" / "img" / f"slot-timeline-{method}.png"
        committed = DOC.parent / "img" / drawn.name
        assert drawn.read_bytes()[:8] == PNG_MAGIC
        # The committed pictures are this script's, and small enough to keep in the repo.
        assert committed.read_bytes()[:8] == PNG_MAGIC and committed.stat().st_size < 150_000
    for picture in re.findall(r"!\[[^]]*\]\((img/[^)]+)\)", section):
        assert (DOC.parent / picture).is_file(), picture
