"""Small pure pieces: policy, scripts, witness parsing, TimeSpans, Retry-After, targets."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from restart import ConfigurationError, Response, RestartPolicy, RestartTarget
from restart._http import octopus_error_text, retry_after
from restart._session import timespan
from restart.client import normalise_server_url
from restart.policy import DEFAULT_DEADLINE, SEED_WORST_CASE
from restart.scripts import (
    is_self_restart_failure,
    linux_restart_script,
    linux_unit,
    restart_script,
    windows_restart_script,
)
from restart.target import AgentOS
from restart.witness import parse_start_time, witness_from_details


# -- policy ---------------------------------------------------------------------------------
def test_defaults_are_the_seeds() -> None:
    p = RestartPolicy()
    assert (p.poll_interval, p.script_delay, p.post_restart_wait, p.health_window) == (
        5.0, 3, 30.0, 180.0,
    )  # fmt: skip
    assert p.health_task_timeout == p.health_machine_timeout == 60.0
    assert p.stable_checks == 1 and p.instance is None and p.request_timeout == 30.0


def test_deadline_arithmetic() -> None:
    assert SEED_WORST_CASE == 3 + 15 + 30 + 180 + 60 + 5 == 293
    p = RestartPolicy()
    assert p.deadline == DEFAULT_DEADLINE == 330.0
    # the seed's worst case + our preflight/probe (15 s) + the cleanup reserve fit inside
    assert SEED_WORST_CASE + 15 + p.cleanup_allowance <= p.deadline
    assert p.work_time == p.deadline - p.cleanup_allowance


@pytest.mark.parametrize(
    "kwargs",
    [
        {"poll_interval": 0},
        {"deadline": float("nan")},
        {"post_restart_wait": -1},
        {"script_delay": 2.5},
        {"health_task_timeout": 0.5},
        {"health_machine_timeout": 90},
        {"cleanup_allowance": 400},
        {"retry_cap": 0.5},
        {"retry_jitter": 1.5},
        {"max_attempts": 0},
        {"stable_checks": 0},
        {"instance": ""},
        {"instance": "Blue*"},
        {"instance": 'a"b'},
        {"request_timeout": float("inf")},
    ],
)
def test_invalid_policies_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="RestartPolicy"):
        RestartPolicy(**kwargs)


def test_backoff_is_capped() -> None:
    p = RestartPolicy(retry_base=1, retry_cap=10, retry_jitter=0)
    assert [p.backoff(n, random.Random()) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert p.backoff(10_000, random.Random()) == 10
    with pytest.raises(ValueError, match="start at 1"):
        p.backoff(0, random.Random())


# -- scripts --------------------------------------------------------------------------------
def test_windows_scripts() -> None:
    assert windows_restart_script(3) == (
        'Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "-NoProfile '
        "-Command `\"&{Start-Sleep 3 ; Get-Service 'OctopusDeploy Tentacle*' | "
        'Restart-Service -Force}`""'
    )
    assert "Get-Service 'OctopusDeploy Tentacle: Blue'" in windows_restart_script(3, "Blue")
    assert "Get-Service 'OctopusDeploy Tentacle: O''Neil'" in windows_restart_script(3, "O'Neil")
    # The default instance by the name Tentacle gives it: its service has no suffix.
    for name in ("Tentacle", "tentacle"):
        assert "Get-Service 'OctopusDeploy Tentacle' " in windows_restart_script(3, name)
    assert restart_script(AgentOS.WINDOWS, 5)[0] == "PowerShell"


def test_linux_scripts() -> None:
    # No instance: every instance, through the Tentacle CLI (a machine may be a named
    # instance beside the default one); a named instance: its own unit.
    assert linux_restart_script(3) == (
        "nohup sh -c 'sleep 3; /opt/octopus/tentacle/Tentacle service --restart "
        "--instance \"*\"' >/dev/null 2>&1 &"
    )
    assert linux_restart_script(3, "Web").endswith(  # after the check that Web exists
        "\nnohup sh -c 'sleep 3; systemctl restart Web.service' >/dev/null 2>&1 &"
    )
    assert linux_unit("My  Blue\tInstance") == "My-Blue-Instance.service"
    assert restart_script(AgentOS.LINUX, 3)[0] == "Bash"
    with pytest.raises(ConfigurationError, match="systemd unit"):
        linux_unit("O'Neil")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("The remote script failed with exit code -46", True),
        ("The remote script failed with exit code 1", True),
        ("The remote script failed with exit code 1.", True),
        ("The remote script failed with exit code 10", False),
        ("The remote script failed with exit code -461", False),
        ("The remote script failed with exit code -1", False),
        ("The remote script failed with exit code 2", False),
        ("", False),
    ],
)
def test_self_restart_exit_codes(message: str, expected: bool) -> None:
    assert is_self_restart_failure(message) is expected


# -- witness --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T06:47:20.1230000+00:00", datetime(2026, 11, 26, 6, 47, 20, 123000, UTC)),
        ("2026-11-26T06:47:20Z", datetime(2026, 11, 26, 6, 47, 20, tzinfo=UTC)),
        ("2026-11-26T08:47:20.5+02:00", datetime(2026, 11, 26, 6, 47, 20, 500000, UTC)),
        ("  Thu Nov 26 06:47:20 2026 ", datetime(2026, 11, 26, 6, 47, 20, tzinfo=UTC)),
        ("Fri Nov  6 06:47:20 2026", datetime(2026, 11, 6, 6, 47, 20, tzinfo=UTC)),
        ("Task started 2026-11-26T06:47:20Z", None),
        ("2026-11-26T06:47:20", None),  # no zone: not the round-trip format
        ("2026-02-30T06:47:20Z", None),
        ("hello", None),
    ],
)
def test_start_time_parsing(text: str, expected: datetime | None) -> None:
    assert parse_start_time(text) == expected


def test_witness_walks_the_activity_tree_and_sorts() -> None:
    details = {
        "ActivityLogs": [
            {
                "LogElements": [{"MessageText": "Task started 2026-11-26T06:00:00Z"}],
                "Children": [
                    {"LogElements": [{"MessageText": "2026-11-26T06:47:20Z"}], "Children": []},
                    {
                        "LogElements": [],
                        "Children": [
                            {"LogElements": [{"MessageText": "2026-11-26T05:00:00Z\r\nok"}]}
                        ],
                    },
                ],
            }
        ]
    }
    assert witness_from_details(details) == (
        datetime(2026, 11, 26, 5, tzinfo=UTC),
        datetime(2026, 11, 26, 6, 47, 20, tzinfo=UTC),
    )
    assert witness_from_details({"ActivityLogs": []}) is None
    assert witness_from_details("nonsense") is None


# -- odds and ends --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (60, "00:01:00"),
        (59.9, "00:00:59"),
        (3725, "01:02:05"),
        (90061, "1.01:01:01"),
        (-3, "00:00:00"),
    ],
)
def test_timespan(seconds: float, text: str) -> None:
    assert timespan(seconds) == text


def test_retry_after_forms() -> None:
    assert retry_after(Response(503, {"retry-after": "3"})) == 3.0
    assert retry_after(Response(503, {"Retry-After": "-3"})) == 0.0
    assert retry_after(Response(503, {"Retry-After": "soon"})) is None
    assert retry_after(Response(503, {})) is None
    assert retry_after(Response(503, {"Retry-After": "Thu, 26 Nov 2026 06:00:12 GMT"})) is None


def test_octopus_error_text() -> None:
    body = {"ErrorMessage": "There was a problem with your request.", "Errors": ["Bad Name"]}
    assert octopus_error_text(Response(400, {}, body)) == (
        "There was a problem with your request. Bad Name."
    )
    assert octopus_error_text(Response(502, {}, None, "<h1>Bad   gateway</h1>")) == (
        "<h1>Bad gateway</h1>"
    )
    assert octopus_error_text(Response(502)) == "HTTP 502"


def test_targets_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="no machine"):
        RestartTarget("Spaces-1")
    with pytest.raises(ConfigurationError, match="not an Octopus id"):
        RestartTarget("Spaces-1", machine_id="../tasks")
    assert RestartTarget(machine_id="Machines-1", os="linux").os is AgentOS.LINUX  # type: ignore[arg-type]
    assert RestartTarget(machine_id="Machines-1", machine_name="web").label == "web (Machines-1)"


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://octo.example.com/", "https://octo.example.com"),
        (" https://octo.example.com/api ", "https://octo.example.com"),
        ("https://octo.example.com/octopus/app", "https://octo.example.com/octopus"),
    ],
)
def test_server_urls_are_normalised(url: str, root: str) -> None:
    assert normalise_server_url(url) == root


@pytest.mark.parametrize(
    "url", ["octo.example.com", "ftp://x", "https://user:pw@octo", "https://octo/?apikey=API-X"]
)
def test_bad_server_urls(url: str) -> None:
    with pytest.raises(ConfigurationError, match="URL"):
        normalise_server_url(url)
