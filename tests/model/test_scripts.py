"""Script interpretation (octosim.model.scripts): ScriptBody text -> effects, table-driven."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from octosim.model import scripts
from octosim.model.scripts import (
    DEFAULT_INTERPRETER,
    SEED_SCRIPT_BODY,
    DetachedRestart,
    ScriptEffect,
    ScriptInterpreter,
    ScriptSyntax,
    SelfRestart,
    ServiceTarget,
    WitnessProbe,
    interpret,
    parse_syntax,
)

PS = ScriptSyntax.PowerShell
BASH = ScriptSyntax.Bash

Shape = tuple[object, ...]


# One-letter builders keep the tables readable: W(...) windows-service, U(...) systemd-unit,
# T(...) tentacle-instance.
def W(name: str) -> ServiceTarget:
    return ServiceTarget("windows-service", name)


def U(name: str) -> ServiceTarget:
    return ServiceTarget("systemd-unit", name)


def T(name: str) -> ServiceTarget:
    return ServiceTarget("tentacle-instance", name)


def detached(delay: float, *targets: ServiceTarget) -> Shape:
    return ("detached", targets, delay)


def sync(*targets: ServiceTarget) -> Shape:
    return ("self", targets)


def probe(style: str) -> Shape:
    return ("probe", style)


def shape(effects: tuple[object, ...]) -> list[Shape]:
    """Effects without their ``source`` text, for compact tables."""
    out: list[Shape] = []
    for effect in effects:
        if isinstance(effect, DetachedRestart):
            out.append(detached(effect.delay_seconds, *effect.targets))
        elif isinstance(effect, SelfRestart):
            out.append(sync(*effect.targets))
        else:
            assert isinstance(effect, WitnessProbe), effect
            out.append(probe(effect.style))
    return out


# ---- the seed ------------------------------------------------------------------------------

# Line 15 of seed/restart-tentacle.ps1, copied verbatim. The file really has U+00A0 (a
# no-break space) as the second "space" after -Command; it is written as \u00a0 here so the
# test shows it. PowerShell treats it as whitespace.
SEED_PS1_LINE = (
    "$script = 'Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
    "\"-Command \u00a0`\"&{Start-Sleep 3 ; Get-Service ''OctopusDeploy Tentacle:*'' | "
    "Restart-Service}`\"\"'"
)


def seed_body_from_ps1(line: str) -> str:
    """Undo PowerShell single quoting: strip ``$script = '...'`` and turn ``''`` into ``'``."""
    prefix = "$script = '"
    assert line.startswith(prefix)
    assert line.endswith("'")
    return line[len(prefix) : -1].replace("''", "'")


def test_seed_body_constant_is_the_ps1_script_byte_for_byte() -> None:
    body = seed_body_from_ps1(SEED_PS1_LINE)
    assert body == SEED_SCRIPT_BODY
    assert "-Command \u00a0`\"&{Start-Sleep 3" in SEED_SCRIPT_BODY  # space + no-break space
    assert "'OctopusDeploy Tentacle:*'" in SEED_SCRIPT_BODY  # '' undone, backticks literal


@pytest.mark.parametrize(
    "body",
    [SEED_SCRIPT_BODY, SEED_SCRIPT_BODY.replace("\u00a0", " ")],
    ids=["exact", "two-plain-spaces"],
)
def test_seed_script_is_a_detached_restart_of_named_instances_after_3s(body: str) -> None:
    assert interpret(body, PS) == (
        DetachedRestart((W("OctopusDeploy Tentacle:*"),), 3.0, body),
    )


def test_seed_syntax_spelling_from_the_seed_parses() -> None:
    assert parse_syntax("Powershell") is PS  # the seed sends "Powershell"
    assert interpret(SEED_SCRIPT_BODY, parse_syntax("Powershell")) == interpret(
        SEED_SCRIPT_BODY, PS
    )


# ---- what the restart client sends -----------------------------------------------------------


def windows_client_body(pattern: str) -> str:
    return (
        "Start-Process powershell.exe -WorkingDirectory $env:TEMP -ArgumentList "
        f"\"-NoProfile -Command `\"&{{Start-Sleep 3 ; Get-Service '{pattern}' | "
        "Restart-Service -Force}`\"\""
    )


LINUX_CLIENT_BODY = "nohup sh -c 'sleep 3; systemctl restart Tentacle.service' >/dev/null 2>&1 &"
PS_PROBE_BODY = '(Get-Process -Name Tentacle).StartTime.ToUniversalTime().ToString("o")'
BASH_PROBE_BODY = "ps -o lstart= -C Tentacle"


@pytest.mark.parametrize(
    ("body", "syntax", "expected"),
    [
        (windows_client_body("OctopusDeploy Tentacle*"), PS,
         [detached(3.0, W("OctopusDeploy Tentacle*"))]),
        (windows_client_body("OctopusDeploy Tentacle: Web"), PS,
         [detached(3.0, W("OctopusDeploy Tentacle: Web"))]),
        (LINUX_CLIENT_BODY, BASH, [detached(3.0, U("Tentacle.service"))]),
        (PS_PROBE_BODY, PS, [probe("powershell")]),
        (BASH_PROBE_BODY, BASH, [probe("bash")]),
    ],
    ids=["windows-all", "windows-named", "linux", "ps-probe", "bash-probe"],
)
def test_restart_client_bodies(body: str, syntax: ScriptSyntax, expected: list[Shape]) -> None:
    effects = interpret(body, syntax)
    assert shape(effects) == expected
    assert all(isinstance(e, ScriptEffect) and e.source == body for e in effects)


# ---- PowerShell ------------------------------------------------------------------------------

OCTO = "OctopusDeploy Tentacle"
WEB = "OctopusDeploy Tentacle: Web"
ENCODED = base64.b64encode(f"Start-Sleep 3; Restart-Service '{OCTO}'".encode("utf-16-le")).decode()

POWERSHELL_CASES: list[tuple[str, str, list[Shape]]] = [
    # -- synchronous self-restarts
    ("positional", f"Restart-Service '{OCTO}'", [sync(W(OCTO))]),
    ("named-force", f'Restart-Service -Name "{OCTO}" -Force', [sync(W(OCTO))]),
    ("bare-wildcard", "Restart-Service OctopusDeploy*", [sync(W("OctopusDeploy*"))]),
    ("comma-list-passthru", f"Restart-Service -Name '{OCTO}','{WEB}' -PassThru",
     [sync(W(OCTO), W(WEB))]),
    ("colon-syntax", f"Restart-Service -Name:'{OCTO}' -Force:$true", [sync(W(OCTO))]),
    ("param-prefix", f"Restart-Service -N '{OCTO}' -F", [sync(W(OCTO))]),
    ("pipe", f"Get-Service '{OCTO}' | Restart-Service", [sync(W(OCTO))]),
    ("pipe-displayname", f"Get-Service -DisplayName '{OCTO}*' | Restart-Service -Force",
     [sync(W(f"{OCTO}*"))]),
    ("strings-piped", f"'{OCTO}' | Restart-Service", [sync(W(OCTO))]),
    ("stop-then-start", f'Stop-Service "{OCTO}"; Start-Service "{OCTO.lower()}"',
     [sync(W(OCTO))]),
    ("stop-start-pipeline", f"Get-Service '{OCTO}' | Stop-Service -PassThru | Start-Service",
     [sync(W(OCTO))]),
    ("variable", f"$name = '{OCTO}'\nRestart-Service -Name $name", [sync(W(OCTO))]),
    ("foreach-loop", f"foreach ($s in '{OCTO}', '{WEB}') {{ Restart-Service $s }}",
     [sync(W(OCTO), W(WEB))]),
    ("foreach-object", f'Get-Service "{OCTO}*" | ForEach-Object {{ Restart-Service $_.Name }}',
     [sync(W(f"{OCTO}*"))]),
    ("where-like", "Get-Service | Where-Object { $_.Name -like 'OctopusDeploy*' } | "
     "Restart-Service", [sync(W("OctopusDeploy*"))]),
    ("inside-if", f"if ($true) {{ Restart-Service '{OCTO}' }}", [sync(W(OCTO))]),
    ("redirected", f"Restart-Service '{OCTO}' 2>&1 > $null", [sync(W(OCTO))]),
    ("typographic-quotes-dash", f"Restart-Service \u2018{OCTO}\u2019 \u2013Force",
     [sync(W(OCTO))]),
    ("sleep-then-sync", f"Start-Sleep -Seconds 3; Restart-Service -Name '{OCTO}'",
     [sync(W(OCTO))]),
    ("pwsh-command", f"pwsh -c \"Restart-Service '{OCTO}'\"", [sync(W(OCTO))]),
    ("powershell-block", f"powershell -Command {{ Restart-Service '{OCTO}' }}", [sync(W(OCTO))]),
    ("invoke-expression", f"Invoke-Expression \"Restart-Service '{OCTO}'\"", [sync(W(OCTO))]),
    ("start-process-wait", f"Start-Process powershell -Wait -ArgumentList \"-Command "
     f"Restart-Service '{OCTO}'\"", [sync(W(OCTO))]),
    ("tentacle-exe", '& "C:\\Program Files\\Octopus Deploy\\Tentacle\\Tentacle.exe" service '
     '--instance "Web" --restart', [sync(T("Web"))]),
    ("native-systemctl-on-linux", "sudo systemctl restart Tentacle", [sync(U("Tentacle.service"))]),
    # -- detached restarts
    ("start-process-array", "Start-Process powershell -ArgumentList @('-Command', "
     "'Start-Sleep 3; Restart-Service x')", [detached(3.0, W("x"))]),
    ("start-process-ms", "Start-Process powershell -ArgumentList \"-Command Start-Sleep "
     f"-Milliseconds 1500; Restart-Service '{OCTO}'\"", [detached(1.5, W(OCTO))]),
    ("start-process-no-sleep", "Start-Process powershell.exe -ArgumentList \"-NoProfile "
     f"-Command `\"Restart-Service '{OCTO}'`\"\"", [detached(0.0, W(OCTO))]),
    ("start-process-options", "Start-Process -FilePath \"powershell.exe\" -ArgumentList "
     "\"-NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -Command & { Start-Sleep 3; "
     f"Restart-Service -Name '{OCTO}' -Force }}\"", [detached(3.0, W(OCTO))]),
    ("start-process-pshome", "Start-Process -FilePath \"$PSHOME\\powershell.exe\" -ArgumentList "
     f"\"-Command & {{ Start-Sleep 3; Restart-Service '{OCTO}' }}\"", [detached(3.0, W(OCTO))]),
    ("start-process-single-quoted", "Start-Process powershell -ArgumentList '-Command "
     f"\"Start-Sleep -s 2.5; Get-Service ''{OCTO}'' | Restart-Service\"'",
     [detached(2.5, W(OCTO))]),
    ("start-process-variable", f"$name = '{WEB}'\nStart-Process pwsh -ArgumentList \"-c\", "
     "\"Start-Sleep 3; Restart-Service '$name'\"", [detached(3.0, W(WEB))]),
    ("start-process-encoded", f"Start-Process powershell -ArgumentList \"-EncodedCommand "
     f"{ENCODED}\"", [detached(3.0, W(OCTO))]),
    ("start-process-stop-start", "Start-Process powershell -ArgumentList \"-Command Start-Sleep 3;"
     f" Stop-Service '{OCTO}'; Start-Service '{OCTO}'\"", [detached(3.0, W(OCTO))]),
    ("start-process-thread-sleep", "Start-Process powershell -ArgumentList '-Command "
     f"\"[Threading.Thread]::Sleep(2000); Restart-Service ''{OCTO}''\"'",
     [detached(2.0, W(OCTO))]),
    ("start-process-tentacle-exe", "Start-Process \"C:\\Program Files\\Octopus Deploy\\Tentacle\\"
     "Tentacle.exe\" -ArgumentList \"service --restart --instance Tentacle\"",
     [detached(0.0, T("Tentacle"))]),
    ("two-restarts-two-delays", "Start-Process powershell -ArgumentList \"-Command Start-Sleep 3;"
     " Restart-Service 'A'; Start-Sleep 2; Restart-Service 'B'\"",
     [detached(3.0, W("A")), detached(5.0, W("B"))]),
    ("sleep-before-launch-counts", "Start-Sleep 10\nStart-Process pwsh -ArgumentList "
     "\"-c Start-Sleep 3; Restart-Service x\"", [detached(13.0, W("x"))]),
    ("start-job", f"Start-Job {{ Start-Sleep 2.5; Restart-Service '{OCTO}' -Force }}",
     [detached(2.5, W(OCTO))]),
    ("start-job-named", f"Start-Job -ScriptBlock {{ Start-Sleep -s 4; Get-Service '{OCTO}*' | "
     "Restart-Service }", [detached(4.0, W(f"{OCTO}*"))]),
    ("background-operator", f"Restart-Service '{OCTO}' &", [detached(0.0, W(OCTO))]),
    # -- probes
    ("probe-paren", "(Get-Process Tentacle).StartTime", [probe("powershell")]),
    ("probe-select", "Get-Process -Name Tentacle | Select-Object StartTime",
     [probe("powershell")]),
    ("probe-tostring", '(Get-Process -Name "Tentacle").StartTime.ToString("o")',
     [probe("powershell")]),
    ("probe-variable", "$p = Get-Process Tentacle\nWrite-Output $p.StartTime.ToString('o')",
     [probe("powershell")]),
    ("probe-in-string", 'Write-Host "Started: $((Get-Process Tentacle).StartTime)"',
     [probe("powershell")]),
    ("probe-where", "Get-Process | Where-Object { $_.ProcessName -eq 'Tentacle' } | "
     "Select-Object -ExpandProperty StartTime", [probe("powershell")]),
    ("probe-cim", "Get-CimInstance Win32_Process -Filter \"Name = 'Tentacle.exe'\" | "
     "Select-Object CreationDate", [probe("powershell")]),
    ("restart-then-probe", f"{windows_client_body(OCTO)}\n{PS_PROBE_BODY}",
     [detached(3.0, W(OCTO)), probe("powershell")]),
    # -- nothing
    ("echoed", 'Write-Host "will Restart-Service later"', []),
    ("echoed-pipeline", f"Write-Output 'Get-Service \"{OCTO}\" | Restart-Service'", []),
    ("assigned-not-run", f"$s = 'Restart-Service {OCTO}'", []),
    ("line-comment", f"# Restart-Service '{OCTO}'\nWrite-Host done", []),
    ("block-comment", f"<# Restart-Service '{OCTO}'\n Start-Job {{ Restart-Service x }} #>", []),
    ("whatif", f"Restart-Service '{OCTO}' -WhatIf", []),
    ("bad-wildcard", "Restart-Service 'Tentacle['", []),
    ("remote", f"Invoke-Command -ComputerName other {{ Restart-Service '{OCTO}' }}", []),
    ("stop-only", f"Stop-Service '{OCTO}'", []),
    ("other-process-probe", "Get-Process notepad | Select-Object StartTime", []),
    ("plain", "Get-ChildItem C:\\ | Select-Object Name\nWrite-Host 'hello'", []),
    ("unknown-variable-target", "Restart-Service -Name $env:TARGET", []),
    # Windows PowerShell joins an -ArgumentList array with bare spaces, so the inner quotes
    # are lost and Restart-Service gets two positional arguments: a binding error, no restart.
    ("array-join-loses-quotes", "Start-Process pwsh -ArgumentList '-NoProfile','-Command',"
     f"'Start-Sleep -Seconds 5; Restart-Service \"{OCTO}\"'", []),
    ("too-many-positionals", "Restart-Service OctopusDeploy Tentacle", []),
    ("bash-text-in-powershell", "nohup", []),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [pytest.param(body, expected, id=case_id) for case_id, body, expected in POWERSHELL_CASES],
)
def test_powershell(body: str, expected: list[Shape]) -> None:
    assert shape(interpret(body, PS)) == expected


# ---- Bash ------------------------------------------------------------------------------------

BASH_CASES: list[tuple[str, str, list[Shape]]] = [
    # -- synchronous self-restarts
    ("systemctl", "systemctl restart Tentacle", [sync(U("Tentacle.service"))]),
    ("sudo-lowercase", "sudo systemctl restart tentacle.service", [sync(U("tentacle.service"))]),
    ("sudo-options-no-block", "sudo -n /usr/bin/systemctl --no-block restart Tentacle",
     [sync(U("Tentacle.service"))]),
    ("sudo-user", "sudo -u root systemctl restart Tentacle", [sync(U("Tentacle.service"))]),
    ("env-non-ascii", "env vā=1 systemctl restart Tentacle", [sync(U("Tentacle.service"))]),
    ("two-units", "systemctl restart Tentacle Web.service",
     [sync(U("Tentacle.service"), U("Web.service"))]),
    ("stop-and-start", "systemctl stop Tentacle && systemctl start Tentacle",
     [sync(U("Tentacle.service"))]),
    ("service-wrapper", "service tentacle restart", [sync(U("tentacle.service"))]),
    ("tentacle-cli", "/opt/octopus/tentacle/Tentacle service --restart", [sync(T(""))]),
    ("tentacle-cli-instance", '/opt/octopus/tentacle/Tentacle service --restart --instance '
     '"My Instance"', [sync(T("My Instance"))]),
    ("tentacle-cli-all", "Tentacle service --instance=* --restart", [sync(T("*"))]),
    ("tentacle-cli-stop-start", "Tentacle service --stop --start --instance Web",
     [sync(T("Web"))]),
    ("in-if", "if systemctl is-active --quiet Tentacle; then\n"
     "  sudo systemctl restart Tentacle\nfi",
     [sync(U("Tentacle.service"))]),
    ("sh-c-not-detached", "bash -lc 'systemctl restart Tentacle'", [sync(U("Tentacle.service"))]),
    ("nohup-without-ampersand", "nohup sh -c 'sleep 3; systemctl restart Tentacle.service' "
     ">/dev/null 2>&1", [sync(U("Tentacle.service"))]),
    ("background-sleep-only", "sleep 10 &\nsystemctl restart Tentacle",
     [sync(U("Tentacle.service"))]),
    ("in-substitution", "out=$(systemctl restart Tentacle)", [sync(U("Tentacle.service"))]),
    # function bodies count where they are written (documented limit)
    ("function-body", "function restart_it { systemctl restart Tentacle; }",
     [sync(U("Tentacle.service"))]),
    # -- detached restarts
    ("nohup-bash-c", 'nohup bash -c "sleep 5s && systemctl restart Tentacle" > /dev/null 2>&1 &',
     [detached(5.0, U("Tentacle.service"))]),
    ("subshell", "(sleep 3; sudo systemctl restart Tentacle.service) &",
     [detached(3.0, U("Tentacle.service"))]),
    ("group", "{ sleep 0.5; systemctl restart Tentacle; } &",
     [detached(0.5, U("Tentacle.service"))]),
    ("setsid", "setsid sh -c 'sleep 3; systemctl restart Tentacle' </dev/null &>/dev/null",
     [detached(3.0, U("Tentacle.service"))]),
    ("and-list-background", "sleep 3 && /opt/octopus/tentacle/Tentacle service --restart "
     "--instance Web &", [detached(3.0, T("Web"))]),
    ("tentacle-cli-all-detached", "nohup sh -c 'sleep 2 && Tentacle service --restart "
     "--instance \"*\"' &", [detached(2.0, T("*"))]),
    ("systemd-run", "sudo systemd-run --on-active=10 systemctl restart Tentacle.service",
     [detached(10.0, U("Tentacle.service"))]),
    ("systemd-run-minutes", "systemd-run --on-active 1min /bin/systemctl restart Tentacle",
     [detached(60.0, U("Tentacle.service"))]),
    ("systemd-run-now", "systemd-run systemctl restart Tentacle",
     [detached(0.0, U("Tentacle.service"))]),
    ("variable", 'UNIT=Tentacle.service\nnohup sh -c "sleep 2; systemctl restart $UNIT" '
     ">/dev/null 2>&1 &", [detached(2.0, U("Tentacle.service"))]),
    ("group-after-then", "if true; then { sleep 2; systemctl restart Tentacle; } & fi",
     [detached(2.0, U("Tentacle.service"))]),
    ("subshell-in-loop", "while false; do (sleep 1; systemctl restart Tentacle) & done",
     [detached(1.0, U("Tentacle.service"))]),
    ("line-continuation", "nohup sh -c 'sleep 4; \\\nsystemctl restart Tentacle' \\\n  &",
     [detached(4.0, U("Tentacle.service"))]),
    # -- probes
    ("probe-pgrep", "ps -o lstart= -p $(pgrep -f Tentacle)", [probe("bash")]),
    ("probe-show", "systemctl show Tentacle -p ActiveEnterTimestamp", [probe("bash")]),
    ("probe-show-property", "systemctl show Tentacle.service --property=ActiveEnterTimestamp "
     "--value", [probe("bash")]),
    ("probe-in-echo", 'echo "Started: $(ps -o lstart= -C Tentacle)"', [probe("bash")]),
    ("restart-then-probe", f"{LINUX_CLIENT_BODY}\n{BASH_PROBE_BODY}",
     [detached(3.0, U("Tentacle.service")), probe("bash")]),
    # -- nothing
    ("echoed", "echo 'systemctl restart Tentacle'", []),
    ("echoed-double", 'echo "will systemctl restart Tentacle later"', []),
    ("ansi-c-echo", "echo $'systemctl restart x'", []),
    ("comment", "# systemctl restart Tentacle\necho hi", []),
    ("here-doc", "cat <<EOF\nsystemctl restart Tentacle\nEOF\necho done", []),
    ("status-only", "systemctl status Tentacle", []),
    ("socket-unit", "systemctl restart tentacle.socket", []),
    ("remote-host", "systemctl -H other restart Tentacle", []),
    ("probe-other-process", "ps -o lstart= -C nginx", []),
    ("powershell-text-in-bash", f"Restart-Service '{OCTO}'", []),
    ("seed-in-bash", SEED_SCRIPT_BODY, []),
    ("plain", "ls -la /tmp && df -h", []),
    # a name Bash refuses: `vā=1` is a command (not found), systemctl its argument
    ("non-ascii-assignment", "vā=1 systemctl restart Tentacle", []),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [pytest.param(body, expected, id=case_id) for case_id, body, expected in BASH_CASES],
)
def test_bash(body: str, expected: list[Shape]) -> None:
    assert shape(interpret(body, BASH)) == expected


def test_tables_are_big_enough() -> None:
    assert len(POWERSHELL_CASES) >= 12
    assert len(BASH_CASES) >= 10


# ---- sources, syntaxes, parse_syntax ---------------------------------------------------------


def test_sources_are_the_script_text() -> None:
    body = f"Write-Host 'hi'\nRestart-Service '{OCTO}' -Force\n(Get-Process Tentacle).StartTime"
    restart, witness = interpret(body, PS)
    assert restart == SelfRestart((W(OCTO),), f"Restart-Service '{OCTO}' -Force")
    assert witness == WitnessProbe("powershell", "(Get-Process Tentacle).StartTime")
    (job,) = interpret(f"Start-Job {{ Restart-Service '{OCTO}' }}", PS)
    assert isinstance(job, DetachedRestart)
    assert job.source == f"Start-Job {{ Restart-Service '{OCTO}' }}"  # the launcher


@pytest.mark.parametrize("syntax", [ScriptSyntax.CSharp, ScriptSyntax.Python])
@pytest.mark.parametrize("body", [SEED_SCRIPT_BODY, LINUX_CLIENT_BODY, PS_PROBE_BODY, ""])
def test_csharp_and_python_are_never_interpreted(body: str, syntax: ScriptSyntax) -> None:
    assert interpret(body, syntax) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("PowerShell", PS), ("Powershell", PS), ("powershell", PS), (" BASH ", BASH),
     ("csharp", ScriptSyntax.CSharp), ("Python", ScriptSyntax.Python)],
)
def test_parse_syntax(text: str, expected: ScriptSyntax) -> None:
    assert parse_syntax(text) is expected


@pytest.mark.parametrize("text", ["", "sh", "F#", "PowerShell7"])
def test_parse_syntax_rejects_unknown_names_listing_the_valid_ones(text: str) -> None:
    with pytest.raises(ValueError, match="PowerShell, Bash, CSharp, Python"):
        parse_syntax(text)


def test_effects_are_frozen_values() -> None:
    effect = DetachedRestart((W(OCTO),), 3.0, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        effect.delay_seconds = 1.0  # type: ignore[misc]
    assert effect == DetachedRestart((W(OCTO),), 3.0, "x")
    assert hash(effect) == hash(DetachedRestart((W(OCTO),), 3.0, "x"))


def test_public_names_are_exported() -> None:
    for name in ("ScriptSyntax", "parse_syntax", "ServiceTarget", "DetachedRestart",
                 "SelfRestart", "WitnessProbe", "ScriptEffect", "interpret", "SEED_SCRIPT_BODY",
                 "ScriptHandler", "ScriptInterpreter", "DEFAULT_INTERPRETER"):
        assert name in scripts.__all__
        assert hasattr(scripts, name)


# ---- the registry ----------------------------------------------------------------------------

MARKER = (WitnessProbe("bash", "custom"),)


def custom_handler(body: str, syntax: ScriptSyntax) -> tuple[ScriptEffect, ...] | None:
    return MARKER if "custom-restart" in body else None


def test_default_interpreter_has_the_builtin_handlers() -> None:
    assert ScriptInterpreter().handlers == list(scripts.BUILTIN_HANDLERS)
    assert ScriptInterpreter([]).interpret(SEED_SCRIPT_BODY, PS) == ()


def test_a_handler_registered_last_is_a_fallback() -> None:
    interp = ScriptInterpreter()
    interp.register(custom_handler)
    assert interp.interpret("custom-restart", PS) == MARKER  # built-ins found nothing
    assert shape(interp.interpret(f"custom-restart; Restart-Service '{OCTO}'", PS)) == [
        sync(W(OCTO))
    ]


def test_a_handler_registered_first_overrides() -> None:
    interp = ScriptInterpreter()
    interp.register(custom_handler, first=True)
    assert interp.interpret(f"custom-restart; Restart-Service '{OCTO}'", PS) == MARKER
    assert shape(interp.interpret(f"Restart-Service '{OCTO}'", PS)) == [sync(W(OCTO))]


def test_handlers_can_claim_any_syntax() -> None:
    interp = ScriptInterpreter()
    interp.register(lambda body, syntax: MARKER if syntax is ScriptSyntax.Python else None)
    assert interp.interpret("import os", ScriptSyntax.Python) == MARKER


def test_module_interpret_uses_the_default_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DEFAULT_INTERPRETER, "handlers", [custom_handler])
    assert interpret("custom-restart", BASH) == MARKER
    assert interpret(SEED_SCRIPT_BODY, PS) == ()


# ---- properties ------------------------------------------------------------------------------

FRAGMENTS = [
    "Start-Process", " powershell.exe", " -ArgumentList ", "-Command", '"', "'", "`", '`"', "''",
    "{", "}", "(", ")", "$(", "@(", "@'\n", "\n'@", ";", "|", "&", "&&", "\n", " ", "#", "<#",
    "#>", "Restart-Service", "Get-Service", "Start-Sleep 3", "Stop-Service", "Start-Service",
    "$x", "=", "Get-Process Tentacle", ".StartTime", "Start-Job", "sleep 2", "systemctl",
    " restart ", "nohup", "sh -c ", "<<", "EOF", "2>&1", ">", "$'", "\\", "setsid",
    "systemd-run --on-active=", "ps -o lstart=", "[", "]", "*", "?", "-EncodedCommand ",
    "foreach", " in ", "-Name:", ",", "%", "-like", "$_", "eval ", "\u00a0", "\u2013", "\u2018",
    "Tentacle service --restart", "--instance",
]


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(list(ScriptSyntax)))
def test_interpret_never_raises_on_arbitrary_text(body: str, syntax: ScriptSyntax) -> None:
    effects = interpret(body, syntax)
    assert isinstance(effects, tuple)
    assert all(isinstance(e, DetachedRestart | SelfRestart | WitnessProbe) for e in effects)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=40),
       st.sampled_from(list(ScriptSyntax)))
def test_interpret_never_raises_on_script_like_text(parts: list[str], syntax: ScriptSyntax) -> None:
    for effect in interpret("".join(parts), syntax):
        if isinstance(effect, DetachedRestart):
            assert effect.delay_seconds >= 0
        if isinstance(effect, DetachedRestart | SelfRestart):
            assert effect.targets
        else:
            assert isinstance(effect, WitnessProbe), effect


INSTANCE_NAMES = st.text(
    alphabet=st.characters(whitelist_categories=("L", "Nd"), whitelist_characters=" -_."),
    min_size=1, max_size=20,
).map(str.strip).filter(bool)


@given(INSTANCE_NAMES)
def test_windows_client_body_names_any_instance(name: str) -> None:
    pattern = f"OctopusDeploy Tentacle: {name}"
    assert shape(interpret(windows_client_body(pattern), PS)) == [detached(3.0, W(pattern))]


@given(INSTANCE_NAMES.map(lambda n: "-".join(n.split())).filter(lambda n: not n.startswith("-")))
def test_linux_client_body_names_any_unit(unit: str) -> None:
    body = f"nohup sh -c 'sleep 3; systemctl restart {unit}.service' >/dev/null 2>&1 &"
    assert shape(interpret(body, BASH)) == [detached(3.0, U(f"{unit}.service"))]


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False).map(lambda f: round(f, 3)))
def test_delays_are_read_exactly(seconds: float) -> None:
    ps = f"Start-Job {{ Start-Sleep -Seconds {seconds}; Restart-Service x }}"
    sh = f"(sleep {seconds}; systemctl restart Tentacle) &"
    assert shape(interpret(ps, PS)) == [detached(seconds, W("x"))]
    assert shape(interpret(sh, BASH)) == [detached(seconds, U("Tentacle.service"))]
