"""Running a PowerShell script: the statements step scripts use, in order, in virtual time.

Interpreted: ``Start-Sleep``; ``Write-Host``/``Write-Output``/``echo``/``Write-Warning``/
``Write-Verbose``/``Write-Error`` (parameter names bound as PowerShell binds them, prefixes
too: ``-fore Green``; one not there, or ambiguous, skips the statement; Write-Host's
``$null`` is an empty text, Write-Output's an object: see :meth:`_Shell.write_output`;
Write-Host's ``-NoNewline`` leaves its line open: :meth:`_Shell.write_host`; a text's
line breaks end log lines, as Calamari reads them: :meth:`_Shell.emit`);
``$env:X = ...``;
``$x = ...``, ``[string]$x = ...`` (a string variable from then on; ``[int]``/``[long]``:
an Int32/Int64 one, what it cannot hold unknown); a cast of a value, ``[int]$x``,
``[string]5``, ``[bool]'false'`` (:func:`._ps_values._cast`; in expression mode only);
``[Environment]::
GetEnvironmentVariable``/``SetEnvironmentVariable``; ``setx [/M]`` (the user's store is
not modelled: what the script set there is unknown when it reads it back); ``exit``; ``throw``;
``Fail-Step``; ``if``/``elseif``/``else`` on values, ``-not``, ``!``, ``-and``/``-or``, the
comparisons ``-eq``/``-ne``/``-gt``/``-ge``/``-lt``/``-le``/``-like``/``-notlike``/``-match``/
``-notmatch``/``-contains``/``-notcontains``/``-in``/``-notin`` (``i``/``c`` prefixed too),
``[string]::IsNullOrEmpty``, ``IsNullOrWhiteSpace``, ``[bool]::Parse``,
``[Convert]::ToBoolean``, ``Test-Path env:X``; ``[Net.ServicePointManager]::SecurityProtocol
= ...`` of protocols the edition's .NET takes (:func:`._ps_platform._protocols_settable`);
``$PSVersionTable.PSVersion.Major`` and what else the edition decides of the table
(:meth:`_Shell.version_table`); a hashtable literal's entries, ``$h.A``, ``$h['B']``,
``$h.Count`` (:meth:`_Shell.table_entry`); ``$OctopusParameters`` as Calamari's
dictionary, indexed by any text, never ``$null`` (:meth:`_Shell.calamari_parameters`);
``[Environment]::OSVersion.Platform -eq 'Win32NT'`` (:func:`._ps_platform._platform_is`);
strings, here-strings, numbers,
``'a','b'`` arrays, ``+`` (the left operand's type decides: ``1 + '2'`` is 3, an array
gets items appended), ``-``, ``*`` (a string or array repeated), ``/``, ``%`` (numbers),
``a..b`` (Int32 ranges), unary ``-`` (``-$x``, ``-(...)``), ``-join``, ``-f`` (items
``{N}``, ``{{``/``}}``; not alignments or format strings), in expression mode
only (``Write-Host $a+1`` is an argument, the text ``5+1``: unknown); ``throw`` and ``exit``
read theirs as expressions;
``$x += v``, ``-=``, ``*=``, ``/=``, ``%=``, ``$x++``, ``$x--``, ``++$x``, ``--$x``; a bare
value (it is output, an array one item a line); one piped to ``Out-Null`` or cast to
``[void]`` (evaluated, nothing output: :meth:`_Shell.discarded`, :meth:`_Shell.void_cast`);
``<value> | Where-Object { condition } | Select-Object -First N`` (:meth:`_Shell.piped_through`);
``Get-Service [-Name] P [-ErrorAction A]`` as a value (the machine's Tentacle services
matching ``P``, each a :class:`._ps_values._Service` printed as its name and read as it
by ``-like``, ``-match`` and a text compared with it (on the left of ``-eq`` and the like it
is an object: not interpreted), collected as a pipeline's output: one service is itself,
none ``$null``; a service's ``.Name`` is its name, a text's ``$null``; as a statement its
error counts, and in a function called for its value its services are output; printed, a
service's table is not modelled);
``@(...)`` (a function's ``$null`` output is an item; a command that output nothing gives
PowerShell's AutomationNull, no item, also kept in a variable: see
:meth:`_Shell.automation_null`), ``$script:x``/``$global:x`` (one scope: Calamari
dot-sources the script). The
operators of comparison precedence (the comparisons, ``-replace``, ``-split``,
``-join``) apply from the left, a comparison only as the last of them; unary ``-split`` and
``-join``; ``[regex]::Escape``; the postfix operators on any value: ``x[i]``,
``x.Length``/``x.Count``/``x.Name`` and the string methods of :mod:`._ps_strings`
(``$env:PATH.Split(';')[-1]``); a method called on ``$null``, or an index into it,
PowerShell's statement-terminating error (:meth:`_Shell.statement_error`). ``-not``/``!``
are unary, binding tighter than the binary operators (``-not $a + 1`` is ``(-not $a) + 1``:
a bool added to, an Int32 0 or 1 to ``+``, ``-``, ``/``, ``%``). An array's items are
scalars: ``$null`` is one, an array as an item (an array of arrays) is not interpreted.

Control flow: ``try``/``catch [T]``/``finally``: a terminating error (``throw``: a
RuntimeException; an error under ``Stop``: its own exception, WriteErrorException for
``Write-Error``, wrapped in an ActionPreferenceStopException) runs the first ``catch`` whose
type is the error's or a base of it (PowerShell's order: the wrapped exception first), or
the untyped one; ``$_``/``$PSItem`` is the error there (its text the message, as is
``$_.Exception.Message``), a bare ``throw`` throws it again. ``exit`` and ``Fail-Step``
(Calamari's is ``exit -1``) are no errors: no ``catch`` runs, ``finally`` does. A ``catch``
naming a type the simulator does not know (see ``_EXCEPTION_BASE``) leaves the whole ``try``
not interpreted. An uncaught error's line is printed after every ``finally`` has run.

Functions the script defines (``function Name { param(...) }``, ``function Name($a, $b)``,
``[CmdletBinding()]``, ``[Parameter(Mandatory)]``, types ``[string]``/``[int]``/
``[switch]``/``[bool]``/``[string[]]``/``[object]``): calls with named (prefixes too),
positional and ``-Name:value`` arguments, ``$args`` (a simple function's unbound arguments),
defaults, an advanced function's ``-ErrorAction``; a scope per call (its assignments are its
own unless ``$script:``/``$global:``); its output (not Write-Host's) is its value
(``| Out-Null`` drops it), ``return [value]`` ends it; a script's function comes before a
command of the same name. ``exit`` in one ends the script; runaway recursion fails as too
deep, and a script running more than :data:`_MAX_STEPS` statements (loop iterations and
calls count too; and building a string or array one per 1,000 characters or items, writing
one per 10 lines or 1,000 characters, comparing an array's items (``-eq`` filtering one,
``-contains``, ``-in``) one per 10, joining them into a text one per 100) fails with
:data:`TOO_LONG`, counted before the work is done; a value longer than :data:`_MAX_LENGTH`
is unknown (a text decided before it is built). A call inside an
expression (``"$(Get-Thing)"``, ``if (Test-It)``) of a function that may sleep is not
interpreted (expressions take no time); ``$v = Get-Thing`` and a call as a statement sleep.
``foreach ($x in <value>) { }`` over a value the simulator knows, with
``break``/``continue`` (through calls, as in PowerShell); ``<value> | ForEach-Object { }``
(``%``, ``foreach``) over one, in this scope, ``$_`` the item (a block holding
``break``/``continue`` is not interpreted); assigned (``$v = ... | ForEach-Object { }``),
what the block outputs is collected as a function's output is. ``while (c) { }``, ``do { }
while (c)``, ``do { } until (c)`` and ``for (init; c; iterator) { }`` (parts split by ``;``
or new lines, each may be left out) with ``break``/``continue``; each run counts a
statement, so a loop that never ends ends in :data:`TOO_LONG`. A condition (or ``for``
part) the simulator cannot evaluate leaves the loop not interpreted, and if it becomes
unknown after some runs, the rest of it: the runs before stand, what the loop assigns is
unknown afterwards. So does, in any loop (``foreach`` and ``switch`` too), a statement the
simulator skips that may have left it (it holds ``break``, ``continue``, ``return``,
``exit``, ``throw`` or ``Fail-Step``, or calls a function holding one; inside a function the
loop calls, a ``return`` does not count): the loop is not interpreted from there.
The script goes on after the loop, as after an ``if`` it cannot evaluate (which runs no
branch, though one may ``exit``: as in the Bash interpreter, a branch is never guessed).
``switch [-Exact|-Wildcard|-Regex] [-CaseSensitive] (<value>) { <clause> { } default { } }``
over a value the simulator knows (each item of an array; ``$null`` and ``@()`` are
unknown): clauses are strings, numbers, bare words, variables, ``( )`` or a ``{ }``
condition on ``$_``; every clause that matches runs (``default`` if none did), values
compared as strings (PowerShell converts both) ignoring case (ASCII only, else unknown),
string clauses as wildcards or regular expressions (with the guards of ``-like`` and
``-match``); ``break`` ends it, ``continue`` goes to the next item. ``-File`` and flags
written otherwise (prefixes) are not interpreted, nor is ``$switch``.

Never pretending: anything else is not interpreted (the restart recogniser reads restarts
and probes separately), and a statement holding anything this module cannot evaluate, a
pipeline or a redirection is skipped whole; an ``if`` whose condition cannot be evaluated
runs no branch. A function whose definition the simulator cannot bind exactly (a
``filter``, ``begin``/``process``/``end``, other parameter types or attributes) is defined,
but a call of it is not interpreted, nor is a call it cannot bind (an unknown parameter of
an advanced function, a missing mandatory one); what a skipped call may set outside the
function (``$script:x``, ``$env:X``) is unknown afterwards. Inside a function called for its
value, a skipped statement other than an assignment or a ``Write-Host``-like command makes
the value unknown (it may have output something), as does a ``return`` of an unknown value.
``foreach`` over a value the simulator cannot evaluate is not interpreted, nor are labels,
``break``/``continue`` outside a loop, and ``trap``. A
comparison is evaluated only where its result is PowerShell's exactly:
numbers by value (the left operand's type decides, as in PowerShell), strings ignoring case
(``c``: not), ``-gt`` and the like on strings of ASCII letters and digits only (PowerShell
compares strings by culture), ``-match`` with regular expressions .NET and Python read
alike on ASCII text. What a skipped statement may have assigned (``$x = ...``, ``${x} =
...``, ``$x, $y = ...``, ``$x++``, ``++$x``, ``foreach ($x ...)``, ``$env:X = ...``,
``SetEnvironmentVariable('X', ...)`` but to a literal Machine or User target; one of a name
not written literally, every environment variable not set again; a write to the ``env:``
drive, ``Set-Item env:X``, ``Remove-Item Env:\\X`` (see :func:`_drive_sets`), or a
relative path after a skipped ``cd`` that may have gone there; a write of the registry keys
of the machine's or the user's environment, :func:`_registry_sets`; and, as the
script reads the machine's store, what a ``SetEnvironmentVariable`` or ``setx /M`` to it may
have set, see :class:`_Store`) is unknown afterwards;
so, in every scope, is what it may change there (``Remove-Variable``, ``Clear-Variable``,
``Set-Variable`` and ``New-Variable`` with the names or wildcards they are given, any name
if one is a variable), and the array ``$a[0] = ...`` or ``$x.P = ...`` changes (every
variable holding it: arrays are shared); so is ``$LASTEXITCODE`` (the simulator runs no
program), and so are PowerShell's and Calamari's own variables
(``$Matches``, ``$Octopus...``), as are the script's own ``param(...)`` (the step's Script
Parameters are not modelled): a condition on them runs no branch, a string holding them
is not printed. A variable the script never set is ``$null``, as in PowerShell; under
strict mode (``Set-StrictMode -Version``, or a skipped statement that may have run it, in
this scope or a caller's, until ``-Off``: see :meth:`_Shell.set_strict_mode`), unknown:
PowerShell fails the statement
("cannot be retrieved because it has not been set") unless Calamari declared the variable
for a step variable of that name, which the simulator cannot list.

Errors: Calamari runs scripts with ``$ErrorActionPreference = 'Stop'``, so ``Write-Error``
(and Get-Service's error) ends the script with exit code 1, as ``throw`` does, unless
``-ErrorAction`` or the script's own ``$ErrorActionPreference`` says ``Continue`` (an Error
line, and the script goes on: Calamari fails a step for its error output only when
``Octopus.Action.FailScriptOnErrorOutput`` is set, which the simulator does not model) or
``SilentlyContinue``/``Ignore`` (nothing). On Linux the exit code is one byte, as a process's
is: ``exit -1`` and ``Fail-Step`` end with 255, ``exit 300`` with 44.

Numbers are PowerShell's Int32, Int64 and double, never unbounded (a script doubling a
number thousands of times raised out of Python's ``str()``), written in ASCII digits (as
.NET reads them: a string of other digits, ``'٣'``, full-width ``'３'``, or that Python alone
reads, ``'1_0'``, ``'inf'``, converts to no number: unknown): a literal or numeric string is
an Int32 or an Int64 (beyond, unknown: 5.1 reads a double, 7 a decimal); arithmetic
promotes as PowerShell's IntOps/LongOps do (an Int32 result beyond an Int32, or an Int64
one beyond an Int64, is a double; see :func:`_arithmetic`); doubles overflow to infinity.
A double's text is known only where 5.1 (15 significant digits) and 7 (round-trip) write
it alike (see :func:`_double_text`); comparisons on it are evaluated all the same. Dividing
an integer by zero (PowerShell's error), operands PowerShell would convert otherwise
(``'10' / 2``, ``$null * 2``, ``1.5..3``, ``'a'..'c'``) and strings, arrays or ranges
longer than :data:`_MAX_LENGTH` (decided before they are built) are unknown.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from octosim.model.dotnet import LINE_BREAK
from octosim.model.scripts._ps_args import _PS_COMMON_SWITCHES, _ps_resolve, _PsSpec
from octosim.model.scripts._ps_bootstrap import _EDITION_VARIABLE, _declarations, _edition
from octosim.model.scripts._ps_expr import (
    _TARGET,
    _UNARY_TEXT,
    _array_arguments,
    _array_items,
    _bare_word,
    _closing,
    _expression_mode,
    _has_operator,
    _is_parameter,
    _literal,
    _literal_part,
    _numbers_first,
    _operands,
    _operator,
    _postfix,
    _quoted,
    _splits,
    _unary_minus,
    _words,
)
from octosim.model.scripts._ps_forget import (
    _BLOCK_END,
    _CALLED_VARIABLE,
    _CAST_ASSIGNED,
    _DEFINED,
    _DOT_SOURCED,
    _DRIVE_PATH,
    _ENV_DRIVE,
    _ENV_PROVIDER,
    _IMPORTS_HERE,
    _IMPORTS_MODULE,
    _ITEM_WRITER,
    _JOIN_PATH,
    _JOIN_PATH_PARAMETERS,
    _LEAVES,
    _LEAVES_CALLER,
    _LEAVES_CALLER_LOOP,
    _LEAVES_LOOP,
    _LISTED,
    _LISTING_SWITCHES,
    _LISTING_VALUES,
    _LOCATION,
    _LOOP_KINDS,
    _NEW_DRIVE,
    _NO_OUTPUT,
    _PATH_VARIABLES,
    _PROGRAM_EXTENSION,
    _PROPERTY_WRITER,
    _PROVIDER_PATH,
    _REFRESHES_ENV,
    _REGISTRY_DRIVE,
    _REGISTRY_PROVIDER,
    _RUNS_SCRIPT,
    _SCOPED_ASSIGNED,
    _SCRIPT_PARAMETER,
    _SCRIPT_ROOT,
    _SCRIPT_ROOT_WORD,
    _SETS_A_VALUE,
    _STRICT_MODE,
    _TARGETS,
    _TYPED_PARAMETER,
    _assigned,
    _command_words,
    _env_sets,
    _filesystem_text,
    _not_a_path,
    _shared,
    _target,
    _wildcard,
)
from octosim.model.scripts._ps_hashtable import _HASHTABLE_PROPERTIES, _hashtable_entries
from octosim.model.scripts._ps_lex import _PS_DASH, _PS_ESCAPES
from octosim.model.scripts._ps_parse import (
    _ASSIGN,
    _COMMAND_NAME,
    _DO_CONDITION,
    _DOTNET_ENV,
    _EXCEPTION_BASE,
    _FUNCTION,
    _METHOD_INVOCATION,
    _PARAM_BLOCK,
    _PARAMETER_TYPES,
    _RUNTIME,
    _STOP,
    _SWITCH,
    _Function,
    _function,
    _if_parts,
    _loop_parts,
    _parse,
    _piped_or_redirected,
    _statements,
    _switch_clauses,
    _switch_mode,
    _try_parts,
)
from octosim.model.scripts._ps_platform import (
    _OS_PLATFORM,
    _VERSION_TABLE_MEMBER,
    _platform_is,
    _protocols_settable,
    _version_table,
)
from octosim.model.scripts._ps_refuse import _refused
from octosim.model.scripts._ps_strings import (
    _MATCHES,
    _is_null_or,
    _method,
    _parsed_bool,
    _regex_escape,
    _replaced,
    _split,
    _split_words,
    _weight,
)
from octosim.model.scripts._ps_values import (
    _CAST_TYPES,
    _DOUBLE_TEXT,
    _INT32_MAX,
    _INTEGER,
    _MAX_LENGTH,
    _NUMBER,
    Scalar,
    Value,
    _arithmetic,
    _as_number,
    _binary,
    _bounded,
    _cast,
    _Char,
    _converted,
    _equal,
    _formatted,
    _indexed,
    _integer,
    _items,
    _joined,
    _named,
    _negated,
    _order,
    _pattern_match,
    _range,
    _Service,
    _size,
    _text,
    _truthy,
)
from octosim.model.scripts._running import (
    OutputLevel,
    ScriptExit,
    ScriptHost,
    ScriptProgram,
    ScriptResult,
    Unknown,
    split_top,
    top_level,
)
from octosim.model.wildcard import wildcard_match

__all__ = ["TOO_LONG", "run_powershell"]

_Steps = Generator[float, None, None]

_RANGE = re.compile(r"\.\.")
_GET_SERVICE = re.compile(r"^Get-Service\s+(?P<args>.*)$", re.IGNORECASE | re.DOTALL)
_WILDCARD = frozenset("*?[")
#: ``[string]::IsNullOrEmpty(``, ``[bool]::Parse(``, ``[Convert]::ToBoolean(``... (the
#: arguments follow, up to the closing bracket): see :meth:`_Shell.static_call`.
#: A cast starting a term, ``[int]$x``, ``[string] 'a'``: its type and where its operand
#: starts (a variable, a text, a bracket, ``@(...)``, a number or another cast; not ``::``, a
#: static member).
_CAST = re.compile(r"\[(?P<type>[A-Za-z][\w.]*)\]\s*(?=[$'\"(\[0-9]|@\()", re.ASCII)
_STATIC_CALL = re.compile(r"\[(?:System\.)?(?P<type>String|Boolean|bool|Convert)\]::"
                          r"(?P<method>\w+)\s*\(", re.IGNORECASE)
_TEST_PATH_ENV = re.compile(r"^Test-Path\s+(?:-Path\s+)?['\"]?env:(?P<name>\w+)['\"]?$",
                            re.IGNORECASE)
_ENV_VARIABLE = re.compile(r"\$(?:\{env:([^}]+)\}|env:(\w+))", re.IGNORECASE)
#: ``$OctopusParameters['Name']`` (or ``["Name"]``): Calamari's dictionary of the step's
#: variables, read at run time.
_OCTOPUS_PARAMETER = re.compile(r"""\$OctopusParameters\[\s*(['"])(.+?)\1\s*\]""", re.I)
_VARIABLE = re.compile(r"\$(\w+)")
_NEGATION = re.compile(r"(?:-not\s+|!\s*)", re.IGNORECASE)
#: Variables PowerShell (or Calamari's bootstrap) sets itself: unknown here unless the
#: script assigns them. ``$LASTEXITCODE`` is a native program's exit code, and the simulator
#: runs none. The bootstrap's own: its parameter ``$OctopusKey``, ``$MaximumVariableCount``
#: (and Windows PowerShell's other limits), ``$OctopusParameters``, and ``$OctopusProxy``,
#: set after it declares the step's variables (see :mod:`._ps_bootstrap`).
_AUTOMATIC = frozenset({
    "lastexitcode", "matches", "error", "_", "psitem", "args", "input", "this", "pscmdlet",
    "myinvocation", "psscriptroot", "pscommandpath", "psboundparameters", "pwd", "pid",
    "host", "home", "profile", "pshome", "psversiontable", "psedition", "executioncontext",
    "iswindows", "islinux", "ismacos", "iscoreclr", "stacktrace", "psculture", "psuiculture",
    "shellid", "nestedpromptlevel", "verbosepreference", "warningpreference",
    "debugpreference", "informationpreference", "progresspreference", "confirmpreference",
    "whatifpreference", "ofs", "octopusparameters", "switch", "foreach", "errorview",
    "formatenumerationlimit", "outputencoding", "maximumhistorycount", "psemailserver",
    "psdefaultparametervalues", "psmoduleautoloadingpreference", "pssessionoption",
    "pssessionapplicationname", "pssessionconfigurationname", "psstyle",
    "psnativecommanduseerroractionpreference", "psnativecommandargumentpassing",
    "enabledexperimentalfeatures", "event", "eventargs", "eventsubscriber", "sender",
    "consolefilename", "octopuskey", "octopusproxy", "maximumvariablecount",
    "maximumaliascount", "maximumdrivecount", "maximumerrorcount", "maximumfunctioncount",
})
#: The automatic variables telling the edition and platform (see :meth:`_Shell.edition_value`).
_EDITION_KEYS = frozenset({"psedition", "iswindows", "islinux", "ismacos", "iscoreclr"})
#: Which of them is true on a host of each OS family (in PowerShell 7).
_HOST_OS_KEY = {"Windows": "iswindows", "Linux": "islinux"}
#: Keys Calamari may declare for Octopus variables the simulator does not model: Octopus's
#: and Calamari's system variables (``Octopus.Tentacle.Agent.InstanceName``...), and the
#: ``env:NAME`` Calamari adds for each environment variable (VariablesFactory.
#: AddEnvironmentVariables: ``$envPATH``), which may also compete for a key a step variable
#: declares (``Environment`` and an environment variable ``ironment``).
_UNMODELLED_KEYS = ("octopus", "env")
#: The constants, which no script can set (``$null = ...`` discards a value).
_CONSTANTS: dict[str, Value] = {"true": True, "false": False, "null": None}
_IN_STRING = re.compile(
    r"`(.)|\$\{env:([^}]+)\}|\$env:([\w]+)|\$\{([^}]+)\}"
    r"|\$(?:(global|script|local|private|variable):(?=\w))?(\w+)|\$\(", re.IGNORECASE | re.DOTALL
)
#: A command argument PowerShell reads as a number (about_Parsing: "arguments that look like
#: numbers are treated as numbers"; about_Numeric_Literals): hexadecimal, binary (7's), an
#: exponent, a type suffix or a multiplier (``1e3`` is 1000, ``0x10`` 16, ``1kb`` 1024).
#: Those the simulator does not read as literals (_NUMBER's plain ones it does) are unknown.
_NUMERIC_LITERAL = re.compile(
    r"[+-]?(?:0x[0-9a-f]+|0b[01]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)"
    r"(?:ul|us|uy|u|y|s|n|l|d)?(?:kb|mb|gb|tb|pb)?", re.IGNORECASE)
#: PowerShell 7's `` `u{X} ``: a code point, 1 to 6 hex digits (about_Special_Characters).
_CODE_POINT = re.compile(r"u\{([0-9A-Fa-f]{1,6})\}")
#: The parameters of the Write-* cmdlets (PowerShell accepts any unambiguous prefix, and the
#: common parameters): what takes a value, what is a switch, which one is printed.
_WRITE_SPECS = {
    "write-host": _PsSpec(values=("object", "separator", "foregroundcolor", "backgroundcolor"),
                          switches=("nonewline",)),
    "write-output": _PsSpec(values=("inputobject",), switches=("noenumerate",)),
    "write-warning": _PsSpec(values=("message",)),
    "write-verbose": _PsSpec(values=("message",)),
    "write-error": _PsSpec(values=("message", "category", "errorid", "targetobject",
                                   "recommendedaction", "categoryactivity", "categoryreason",
                                   "categorytargetname", "categorytargettype", "exception",
                                   "errorrecord"),
                           aliases={"msg": "message", "activity": "categoryactivity",
                                    "reason": "categoryreason",
                                    "targetname": "categorytargetname",
                                    "targettype": "categorytargettype"}),
}
_WRITE_SPECS["echo"] = _WRITE_SPECS["write"] = _WRITE_SPECS["write-output"]
_PRINTED_PARAMS = frozenset({"object", "inputobject", "message"})
#: How a script that ran to its end without ``exit`` ends (a result is immutable: one will do).
_SUCCEEDED = ScriptResult()
#: What ends a ``for`` part: ``;`` or a new line, and the new lines after it.
_FOR_SEPARATOR = re.compile(r"[ \t]*(?:;|\r?\n)\s*")
#: A switch clause's bare word (a string): anything else unquoted is not interpreted.
_SWITCH_WORD = re.compile(r"[A-Za-z_][\w.*?-]*")
_FOREACH_HEADER = re.compile(r"\s*\$(\w+)\s+in\s+(.+)", re.IGNORECASE | re.DOTALL)
#: The words PowerShell reads as keywords where a command would be: never a function's name.
_KEYWORDS = frozenset({"exit", "throw", "return", "break", "continue"})
#: What a parameter no argument binds holds, by its type (``[string]$p``: '', not $null).
_UNBOUND: dict[str, Value] = {"string": "", "int": 0, "long": 0, "switch": False,
                              "bool": False}
#: ``-ErrorAction`` (``-ea``, or a prefix ``-ErrorVariable`` does not share).
_ERROR_ACTION = re.compile(r"ea|errora(?:c(?:t(?:i(?:o(?:n)?)?)?)?)?", re.IGNORECASE)
_FOR_EACH_OBJECT = re.compile(
    r"(?P<left>[^|]+?)\|\s*(?:ForEach-Object|foreach|%)\s*(?:-Process\s*)?(?=\{)",
    re.IGNORECASE | re.DOTALL)
#: A pipeline's stages the simulator runs, after a value: ``Where-Object`` (``where``,
#: ``?``) with its block, and ``Select-Object -First N`` (``select``).
_WHERE_STAGE = re.compile(r"\s*(?:Where-Object|where|\?)\s*(?:-FilterScript\s*)?(?=\{)",
                          re.IGNORECASE)
_FIRST_STAGE = re.compile(r"\s*(?:Select-Object|select)\s+-First\s+(?P<count>[^\s|]+)\s*",
                          re.IGNORECASE)
_PIPE = re.compile(r"\|")
#: The versions ``Set-StrictMode -Version`` takes in Windows PowerShell and PowerShell 7 alike.
_STRICT_VERSIONS = frozenset({"1", "2", "3", "1.0", "2.0", "3.0", "latest"})
_LOOP_EXIT = re.compile(r"(?<![\w-])(?:break|continue)(?![\w-])", re.IGNORECASE)
#: ``$h.Key``, ``$h['Key']``, ``$h["Key"]`` (a text that expands nothing): a table's entry.
_TABLE_ENTRY = re.compile(
    r"\$(?P<var>\w+)(?:\.(?P<member>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\[\s*(?:'(?P<single>[ -&(-~]*)'|\"(?P<double>[ !#%-_a-~]*)\")\s*\])", re.ASCII)
#: A variable a statement names (``$h``, ``${h}``, ``$script:h``).
_VARIABLE_NAMED = re.compile(r"\$\{?(?:\w+:)?(\w+)")
#: What may reach any variable by name: the variable cmdlets, the variable: drive,
#: PSVariable.
_NAMES_VARIABLES = re.compile(r"variable", re.IGNORECASE)
#: What may leave a line of the log open in a statement not interpreted: Write-Host's
#: ``-NoNewline`` (any prefix of it: Write-Host has no other parameter starting with N),
#: ``[Console]::Write``.
_MAY_LEAVE_OPEN = re.compile(
    r"(?<![\w-])-n(?:o(?:n(?:e(?:w(?:l(?:i(?:n(?:e)?)?)?)?)?)?)?)?(?![\w-])|::Write\s*\(",
    re.IGNORECASE | re.ASCII)
#: Calamari's ``$OctopusParameters``, as a whole and indexed (its ``[`` the group's end).
_PARAMETERS = re.compile(r"\$OctopusParameters", re.IGNORECASE | re.ASCII)
_PARAMETERS_INDEXED = re.compile(r"\$OctopusParameters(\[)", re.IGNORECASE | re.ASCII)
#: A cast to ``[void]`` starting a statement (spaces may follow it: ``[void] ($x)``).
_VOID_CAST = re.compile(r"\[void\]\s*", re.IGNORECASE | re.ASCII)
_TO_OUT_NULL = re.compile(r"(.+?)\|\s*Out-Null\s*", re.IGNORECASE | re.DOTALL)
_SLEEPS = re.compile(r"(?<![\w-])(?:start-sleep|sleep)(?![\w-])", re.IGNORECASE)
#: ``$_.Exception.Message`` in a ``catch``: the error's message.
_ERROR_MESSAGE = re.compile(r"\$(?:_|PSItem)\.Exception\.Message", re.IGNORECASE)
_SCOPED_VARIABLE = re.compile(r"\$(global|script|local|private|variable):(\w+)",
                              re.IGNORECASE)
_INDEXED = re.compile(r"\$(\w+)\[\s*(-?[0-9]+)\s*\]")
#: A value that sends one $null down a pipeline when it holds $null: a variable, an
#: environment variable.
_NULL_SOURCE = re.compile(r"\$(?:(?:global|script|local|private):)?\w+|\$\{?env:[^}]+\}?",
                          re.IGNORECASE)
#: The most postfix operators one value may chain (``$a.Trim().ToLower()`` is two): each
#: reads the text before it again.
_MAX_POSTFIX = 32
#: ``[regex]::Escape(`` (its argument follows, up to the closing bracket).
_REGEX_ESCAPE = re.compile(
    r"\[(?:System\.Text\.RegularExpressions\.)?Regex\]::Escape\s*\(", re.IGNORECASE)


class _Thrown(Exception):
    """A terminating error on its way to a ``catch``: ``throw``, or an error under ``Stop``.

    ``line`` is what the log shows if nothing catches it (after any ``finally``; the script
    then exits with 1); ``message`` the ErrorRecord's text (``"$_"``,
    ``$_.Exception.Message``); ``exceptions`` the .NET types a ``catch [T]`` is tried
    against, in PowerShell's order (the wrapped error's, then the wrapper's)."""

    def __init__(self, line: str, message: str, exceptions: tuple[str, ...]) -> None:
        super().__init__(line)
        self.line, self.message, self.exceptions = line, message, exceptions


class _Break(Exception):
    """``break``: ends the innermost running loop (through function calls, as in
    PowerShell)."""


class _Continue(Exception):
    """``continue``: the innermost running loop's next item."""


class _Return(Exception):
    """``return``: ends the running function (or, outside one, the script)."""


class _NotFollowed(Exception):
    """A statement skipped inside a running loop may have left it (it holds ``break``,
    ``continue``, ``return``, ``exit``, ``throw``): whether PowerShell went round again is
    not known, so the innermost loop is not interpreted from there (it raises
    :class:`Unknown`: what it assigns is unknown afterwards)."""


#: The statements (each loop iteration and function call counting as one more) a script
#: may run. Its arrays are written out in it, so a deployment script stays far below;
#: nested loops and branching recursion could otherwise run for ages on a body anyone can
#: send.
_MAX_STEPS = 50_000
#: Comparing ten items (``-eq`` on an array, ``-contains``) counts one statement: each costs
#: about what a statement does (a filter over a million items ran for seconds, uncounted).
_COMPARED = 10
_Built = TypeVar("_Built", str, Value)
#: The line (and result message) a script that runs more fails with: it fails loudly
#: rather than hold the simulation.
TOO_LONG = ("The simulator cannot interpret this script: it runs more than "
            f"{_MAX_STEPS:,} statements. Run fewer (loops and functions repeat theirs).")


class _Runaway(Exception):
    """More statements than :data:`_MAX_STEPS`: the script fails at once (no ``catch`` or
    ``finally`` runs: none would in so long)."""


#: What leaves a ``try`` block other than by its end: ``finally`` runs, then it goes on.
_LEAVING = (_Thrown, ScriptExit, _Break, _Continue, _Return)


@dataclass
class _Scope:
    """A variable scope: the script's, or one a function call makes. What it holds, what a
    skipped statement may have assigned in it, the type its typed variables (``[string]$x
    = ...``, a ``[string]``/``[int]``/``[long]`` parameter) convert what they are assigned
    to (as :func:`_converted`), its functions."""

    parent: _Scope | None = None
    variables: dict[str, Value] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)
    functions: dict[str, _Function] = field(default_factory=dict)
    #: The variables holding ``$null`` that may hold PowerShell's AutomationNull instead
    #: (the "nothing" a command that output nothing gives: ``$x = Get-Nothing``): True if
    #: they certainly do, False if they may (see :meth:`_Shell.automation_null`).
    empty: dict[str, bool] = field(default_factory=dict)
    #: Its strict mode, as ``Set-StrictMode`` sets it for this scope and those it makes (a
    #: call's): True if it may be on (any version; a skipped statement may have turned it
    #: on), False if turned off (``-Off``), None if its parent's.
    strict: bool | None = None
    #: Whether a script the simulator did not run (dot-sourced, or called) may have set any
    #: variable here: every one it has not set since is unknown.
    every: bool = False
    #: The variables a skipped statement may have given a type constraint, a validation
    #: attribute or an option (``[int]$x = ...``, ``Set-Variable -Option ReadOnly``) the
    #: simulator does not know: what is assigned to them here later is unknown, for good (a
    #: constraint stays with the variable); ``every_cast``: any variable (a dot-sourced
    #: script may have declared any).
    casts: set[str] = field(default_factory=set)
    every_cast: bool = False
    #: The hashtable literals its variables hold, key -> entries (keys lowercased): such a
    #: variable is unknown as a whole (in ``unknown``), its entries known (see
    #: :meth:`_Shell.table`).
    tables: dict[str, dict[str, Value]] = field(default_factory=dict)


@dataclass
class _Store:
    """What a script cannot know of one environment store as it reads it (its own, the
    machine's, the user's): the names a skipped statement may have set; once one may have
    set any name (``every``), every one but those set since (``known``)."""

    unknown: set[str] = field(default_factory=set)
    every: bool = False
    known: set[str] = field(default_factory=set)

    def forget(self, key: str | None) -> None:
        """``key`` (None: any name) may have been set by a statement not interpreted."""
        if key is None:
            self.every = True
            self.known.clear()
        else:
            self.unknown.add(key)

    def learn(self, key: str) -> None:
        """``key`` was set by a statement interpreted: known from now on."""
        self.unknown.discard(key)
        self.known.add(key)

    def knows(self, key: str) -> bool:
        return key not in self.unknown and (not self.every or key in self.known)


def _collected(items: Sequence[Scalar]) -> Value:
    """A pipeline's output as PowerShell collects it into a value: one object is itself,
    several an array, none $null."""
    if not items:
        return None
    return items[0] if len(items) == 1 else tuple(items)


@dataclass
class _Capture:
    """The output of a function called for its value (``$v = Get-Thing``): the objects it
    sent, and whether a statement that may have sent more was skipped (then it is
    unknown)."""

    items: list[Scalar] = field(default_factory=list)
    unknown: bool = False


def run_powershell(body: str, host: ScriptHost) -> ScriptProgram:
    """Run ``body`` on ``host``: yields seconds slept, returns the :class:`ScriptResult`."""
    edition = _edition(host.os_family, host.octopus_variable(_EDITION_VARIABLE))
    if _refused(body, desktop=edition == "Desktop"):
        return _SUCCEEDED  # PowerShell's parse error (or 7's script, not 5.1's): not run
    shell = _Shell(host, edition)
    try:
        yield from shell.block(body)
    except _Return:
        pass  # `return` outside a function ends the script as its end does
    except _Thrown as error:
        # What no `catch` took: PowerShell prints it once every `finally` has run.
        shell.write(error.line, "error")
        return ScriptResult(1)
    except _Runaway:
        shell.write(TOO_LONG, "error")
        return ScriptResult(1, TOO_LONG)
    except ScriptExit as stop:
        shell.flush()
        if host.os_family == "Windows":
            return stop.result
        # A Linux process's exit status is one byte: pwsh's `exit -1` is 255, `exit 300` 44.
        return ScriptResult(stop.result.exit_code % 256, stop.result.message)
    shell.flush()
    return _SUCCEEDED


#: System.ConsoleColor's names, in order: its values 0 to 15.
_CONSOLE_COLOURS = ("black", "darkblue", "darkgreen", "darkcyan", "darkred", "darkmagenta",
                    "darkyellow", "gray", "darkgray", "blue", "green", "cyan", "red",
                    "magenta", "yellow", "white")


def _console_colour(value: Value) -> bool:
    """Whether PowerShell converts ``value`` to a ConsoleColor: one of its names, in any
    case, or one of its values; anything else it refuses (or is not modelled)."""
    if isinstance(value, str):  # .NET's Trim and OrdinalIgnoreCase, for ASCII text
        return value.isascii() and value.strip(" \t\n\v\f\r").lower() in _CONSOLE_COLOURS
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 15


def _path_literal(word: str) -> str | None:
    """The text of the path argument ``word`` when it is written literally: quoted (a
    double-quoted one expanding nothing), or bare holding nothing PowerShell expands or
    splits; else None."""
    if word[0] in "'\"":
        return _literal(word)
    return None if set(word) & _EXPANDS_BARE else word


#: What makes a bare argument more than its text: a variable, an escape, a subexpression,
#: an array or a script block, a list.
_EXPANDS_BARE = frozenset("$`(@{,")


class _Shell:
    """One running PowerShell script: its scopes (variables, functions), and the statements
    it runs."""

    def __init__(self, host: ScriptHost, edition: str | None = None) -> None:
        self.host = host
        # The PowerShell running the script, ``$PSEdition``: Desktop (5.1), Core (7), None
        # if not known (see _ps_bootstrap._edition).
        self.edition = edition
        # Calamari's bootstrap sets the error preference before the script runs. The
        # script's scope is also the global one: Calamari dot-sources the script, and the
        # simulator keeps one scope for both.
        self.top = _Scope(variables={"erroractionpreference": "Stop"})
        self.scope = self.top
        # What the script cannot know of each environment store it reads: the process's
        # (its own), the machine's, the user's (see _Store).
        self.stores = {target: _Store() for target in _TARGETS}
        self.defined = False  # whether the script defined a function (the hot path skips)
        # Whether a skipped Set-Location (cd ...) may have gone to the env: drive, or to the
        # registry: a relative path may then name an environment variable (see forget_env).
        self.env_location = False
        self.registry_location = False
        # Whether code the simulator did not run in a scope of its own (a called script, a
        # module) may have declared a global variable with a type constraint: an assignment
        # to `$global:x` is then unknown (the simulator keeps one scope for both).
        self.global_cast = False
        self.loops = 0  # the loops running (a `break` outside one is not interpreted)
        self.loops_here = 0  # those running in the running function (or the script itself)
        self.captures: list[_Capture] = []  # functions called for their value, innermost last
        # What $_ is in the running `catch` blocks (their errors) and ForEach-Object blocks
        # (None), innermost last.
        self.caught: list[_Thrown | None] = []
        self.steps = 0  # statements, loop iterations and function calls run (_MAX_STEPS)
        self.postfixes = 0  # postfix operators being evaluated, nested (_MAX_POSTFIX)
        self.trying = 0  # `try` blocks running (a statement-terminating error is caught)
        # The variables Calamari declared for the step's, key -> Octopus variable names
        # (see _ps_bootstrap), read from the host when a variable the script never set is
        # first read.
        self.declarations: dict[str, tuple[str, ...]] | None = None
        # What `Write-Host -NoNewline` has written since the last line's end: the start of a
        # line (see write_host).
        self.partial: str | None = None
        # Whether a statement not interpreted may have left a line open (or joined one
        # open): the start of the next line written is not known (see write).
        self.start_unknown = False

    @property
    def strict(self) -> bool:
        """Whether strict mode may be on here (see :attr:`_Scope.strict`): Windows PowerShell
        then refuses .Count/.Length on a value that has none (PropertyNotFoundStrict), and
        a variable never set is no $null. Off unless the script turned it on."""
        scope: _Scope | None = self.scope
        while scope is not None:
            if scope.strict is not None:
                return scope.strict
            scope = scope.parent
        return False

    def set_strict_mode(self, args: Sequence[str]) -> None:
        """``Set-StrictMode -Off`` or ``-Version V`` (``-v``): strict mode for this scope and
        the calls it makes, ended with the function that set it (PowerShell sets
        ``CurrentScope.StrictModeVersion``). Any version (1, 2, 3, ``.0`` or not, ``Latest``,
        which both PowerShells accept) is "may be on": what it changes is unknown; other
        arguments, which PowerShell may refuse, are not interpreted."""
        words = [a.casefold() for a in args]
        if words == ["-off"]:
            self.scope.strict = False
        elif len(words) == 2 and words[0] in ("-version", "-v") and (
                words[1] in _STRICT_VERSIONS
                or (_quoted(words[1]) in ("'", '"') and words[1][1:-1] in _STRICT_VERSIONS)):
            self.scope.strict = True
        else:
            raise Unknown("Set-StrictMode")

    # -- statements ---------------------------------------------------------------------------
    def block(self, text: str) -> _Steps:
        for statement in _statements(text):
            self.step()
            try:
                yield from self.statement(statement)
            except Unknown:
                self.skipped(statement)  # not evaluable here: the statement does nothing
                if self.loops and self.may_leave(statement):
                    raise _NotFollowed(statement) from None

    def skipped(self, text: str) -> None:
        """A statement that is not interpreted: whatever it may assign is unknown from now
        on, and so is ``$LASTEXITCODE`` (it may run a native program); a ``Set-StrictMode``
        in it may have run; inside a function called for its value, what it may have output
        makes that value unknown."""
        names, _ = _assigned(text)
        for name in names | {"lastexitcode"}:
            self.forget(name)
        # It may have written to a line left open, or left one open: the line is not known.
        if self.partial is not None or _MAY_LEAVE_OPEN.search(text):
            self.start_unknown = True
        self.partial = None
        self.forget_casts(text, self.scope)
        dot_sourced = _DOT_SOURCED.search(text) is not None
        if _STRICT_MODE.search(text) or dot_sourced:
            # It may have turned strict mode on, here: in the statement, or in what it
            # dot-sources (a function or a script run in this scope).
            self.scope.strict = True
        if _PARAM_BLOCK.match(text):
            for m in _SCRIPT_PARAMETER.finditer(text):
                self.forget(m.group(1))
            for m in _TYPED_PARAMETER.finditer(text):
                self.forget(m.group(1), constraint=True)  # [int]$x, [ValidateSet()]$x
        for m in _SCOPED_ASSIGNED.finditer(text):
            self.forget(m.group(1), self.top)
        self.forget_shared(_shared(text))
        self.forget_env(text)
        self.forget_tables(text)
        if self.defined:
            for function in self.called(text):
                self.forget_effects(function, set())
        imported = _IMPORTS_MODULE.search(text)
        if dot_sourced or imported or any(not self.runs_program(text, m.start())
                                          for m in _RUNS_SCRIPT.finditer(text)):
            self.forget_all(dot_sourced or bool(imported and _IMPORTS_HERE.search(text)))
        elif _REFRESHES_ENV.search(text):
            self.stores["process"].forget(None)
        for m in _DEFINED.finditer(text):
            # A definition the skipped statement may have run: whether the function exists,
            # and what it does, is unknown, so a call of it is not interpreted.
            self.defined = True
            self.scope.functions[m.group(1).casefold()] = _Function(m.group(1).casefold(), None)
        if self.captures and not self.silent(text):
            self.captures[-1].unknown = True

    def runs_program(self, text: str, start: int) -> bool:
        """Whether the call at ``start`` in skipped ``text`` (:data:`_RUNS_SCRIPT`) is ``&
        $v`` with ``$v`` known (what the statement may have assigned forgotten already) to
        hold a program's path: a text whose last name has an extension other than ``.ps1``
        (``C:\\tools\\tool.exe``, ``setup.cmd``), not a function of the script. PowerShell's
        CommandSearcher looks for a name with an extension as it is first, and anything
        but a ``.ps1`` is an application, run in a process of its own (as ``& 'setup.exe'``
        written literally); a name with none may be ``name.ps1``, searched first."""
        m = _CALLED_VARIABLE.match(text, start)
        if m is None:
            return False
        try:
            value = self.word(m.group(1))
        except Unknown:
            return False
        if not isinstance(value, str):
            return False
        extension = _PROGRAM_EXTENSION.search(value)
        return (extension is not None and extension.group(1).casefold() != "ps1"
                and self.function(value.casefold()) is None)

    def may_leave(self, text: str) -> bool:
        """Whether a skipped statement may have left the loop running around it: it holds a
        word that leaves one (a loop statement: one that leaves it too; a loop in a caller:
        not ``return``), or calls a function of the script that holds one (``break``
        reaches the caller's loop) or that the simulator cannot read."""
        loop = _parse(text).kind in _LOOP_KINDS
        if self.loops_here:
            leaves = _LEAVES_LOOP if loop else _LEAVES
        else:
            leaves = _LEAVES_CALLER_LOOP if loop else _LEAVES_CALLER
        return bool(leaves.search(text)) or (self.defined and any(
            f.parameters is None or _LEAVES_CALLER.search(f.body) for f in self.called(text)))

    def silent(self, text: str) -> bool:
        """Whether ``text`` is a statement that outputs nothing: an assignment, or a command
        that prints to the log, sleeps or ends something."""
        parsed = _parse(text)
        return parsed.kind in ("assignment", "setting") or (
            parsed.kind == "command" and parsed.name in _NO_OUTPUT
            and self.function(parsed.name) is None)

    def statement(self, text: str) -> _Steps:
        parsed = _parse(text)
        if parsed.kind == "unparsed":
            raise Unknown(text)
        if parsed.kind == "if":
            yield from self.if_statement(text)
        elif parsed.kind == "try":
            yield from self.try_statement(text)
        elif parsed.kind == "foreach":
            yield from self.foreach_statement(text)
        elif parsed.kind == "while":
            yield from self.while_statement(text)
        elif parsed.kind == "do":
            yield from self.do_statement(text)
        elif parsed.kind == "for":
            yield from self.for_statement(text)
        elif parsed.kind == "switch":
            yield from self.switch_statement(text)
        elif parsed.kind == "function":
            self.define(text)
        elif parsed.kind == "return":
            self.return_statement(parsed.args[0])
        elif parsed.kind == "pipeline":
            yield from self.pipeline(text)
        elif parsed.kind == "compound" and parsed.assignment is not None:
            self.compound(parsed.assignment)
        elif parsed.assignment is not None:
            function = self.invoked(parsed.assignment.group("rhs"))
            if function is None:
                self.assign(parsed.assignment)
            else:
                yield from self.assign_call(parsed.assignment, function)
        elif parsed.kind == "dotnet":
            self.expression(text)  # a Get only reads; a Set acts
        elif parsed.kind == "setting":
            _protocols_settable(parsed.args[0], self.edition)
        elif parsed.kind == "value" and (void := _VOID_CAST.match(text)):
            self.void_cast(text[void.end() :])
        elif parsed.kind == "value":
            self.output_expression(text)
        elif parsed.name not in _KEYWORDS and (function := self.function(parsed.name)):
            yield from self.call(function, parsed.args)
        else:
            seconds = self.command(parsed.name, parsed.args)
            if seconds is not None:
                yield seconds

    def if_statement(self, text: str) -> _Steps:
        """``if (c) { } elseif (c) { } else { }``: the body of the first condition that holds,
        else the ``else`` body; a clause PowerShell would not parse, once reached, leaves the
        statement not interpreted (see :func:`_if_parts`)."""
        parts = _if_parts(text)
        for condition, body in parts.clauses:
            if self.condition(condition):
                yield from self.block(body)
                return
        if parts.broken:
            raise Unknown(text)
        if parts.otherwise is not None:
            yield from self.block(parts.otherwise)

    # -- try/catch/finally ----------------------------------------------------------------------
    def try_statement(self, text: str) -> _Steps:
        """``try {} catch [T] {} catch {} finally {}``: a terminating error in the ``try``
        (``throw``, an error under ``Stop``) runs the first ``catch`` whose type matches it
        (one without a type matches any); ``exit``, ``return``, ``break`` and ``continue``
        are not errors: no ``catch`` runs, but ``finally`` does, as it does after the rest.
        A ``catch`` of a type the simulator does not know leaves the whole statement not
        interpreted (decided before it runs)."""
        body, catches, final = _try_parts(text)
        try:
            try:
                self.trying += 1
                try:
                    yield from self.block(body)
                finally:
                    self.trying -= 1
            except _Thrown as error:
                handler = _handler(catches, error)
                if handler is None:
                    raise
                yield from self.catch_block(handler, error)
        except _LEAVING:
            if final is not None:
                yield from self.block(final)
            raise
        if final is not None:
            yield from self.block(final)

    def catch_block(self, body: str, error: _Thrown) -> _Steps:
        """A ``catch`` block: ``$_``/``$PSItem`` is the error (its text is its message) while
        it runs; a bare ``throw`` (or ``throw $_``) throws it again."""
        yield from self.with_item(body, error.message, error)

    def with_item(self, body: str, item: Value, error: _Thrown | None) -> _Steps:
        """Run ``body`` with ``$_``/``$PSItem`` holding ``item``: a ``catch``'s ``error``, or
        (``error`` None) a ``ForEach-Object`` block's pipeline object."""
        with self.item_bound(item, error):
            yield from self.block(body)

    @contextlib.contextmanager
    def item_bound(self, item: Value, error: _Thrown | None) -> Iterator[None]:
        """``$_``/``$PSItem`` hold ``item`` (see :meth:`with_item`) until the block ends."""
        saved: dict[str, Value] = {key: self.scope.variables.get(key) for key in ("_", "psitem")
                                   if key in self.scope.variables}
        self.scope.variables["_"] = self.scope.variables["psitem"] = item
        self.caught.append(error)
        try:
            yield
        finally:
            self.caught.pop()
            for key in ("_", "psitem"):
                self.scope.variables.pop(key, None)
            self.scope.variables.update(saved)

    # -- loops --------------------------------------------------------------------------------
    def foreach_statement(self, text: str) -> _Steps:
        """``foreach ($x in <value>) { ... }`` over a value the simulator knows: each item
        in turn (none for $null, one for a single object); ``break`` and ``continue``.
        ``$x`` holds the last item afterwards, as in PowerShell."""
        open_paren = text.index("(")
        close = _closing(text, open_paren)
        header = _FOREACH_HEADER.fullmatch(text, open_paren + 1, close)
        body_open = close + 1 + (len(text[close + 1 :]) - len(text[close + 1 :].lstrip()))
        if header is None or not text.startswith("{", body_open):
            raise Unknown(text)  # a label, a foreach PowerShell would not parse
        body_close = _closing(text, body_open)
        if text[body_close + 1 :].strip():
            raise Unknown(text)
        source = header.group(2).strip()
        # A call's output is enumerated, a $null object too; a value's $null is no item.
        function = self.invoked(source) if self.defined else None
        items = (_items(self.expression(source)) if function is None
                 else self.call_items(source, function))
        with self.in_loop(text):
            for item in items:
                self.step()
                self.set_variable(header.group(1), item)
                try:
                    yield from self.block(text[body_open + 1 : body_close])
                except _Continue:
                    continue
                except _Break:
                    break

    def while_statement(self, text: str) -> _Steps:
        """``while (<condition>) { ... }``: the body runs as long as the condition holds,
        tested before each run."""
        condition, body = _loop_parts(text, text.index("("))
        yield from self.loop(body, lambda: self.condition(condition), test_first=True)

    def do_statement(self, text: str) -> _Steps:
        """``do { ... } while (<condition>)`` / ``do { ... } until (<condition>)``: the body
        runs once, then again as long as the condition holds (``until``: does not)."""
        body_open = text.index("{")
        body_close = _closing(text, body_open)
        m = _DO_CONDITION.match(text, body_close + 1)
        if m is None:
            raise Unknown(text)  # a do PowerShell would not parse
        close = _closing(text, m.end() - 1)
        if text[close + 1 :].strip():
            raise Unknown(text)
        condition, body = text[m.end() : close], text[body_open + 1 : body_close]
        until = m.group("kind").casefold() == "until"
        yield from self.loop(body, lambda: self.condition(condition) != until,
                             test_first=False)

    def for_statement(self, text: str) -> _Steps:
        """``for (<init>; <condition>; <iterator>) { ... }`` (parts split by ``;`` or new
        lines, each may be left out; no condition: for ever): ``<init>`` runs once, then the
        body and ``<iterator>`` as long as the condition holds (``continue`` runs the
        iterator too)."""
        header, body = _loop_parts(text, text.index("("))
        parts = [p.strip() for p in split_top(header.strip(), _FOR_SEPARATOR, escape="`",
                                                single_doubles=True)]
        if len(parts) > 3:
            raise Unknown(text)  # PowerShell: "Missing closing ')' after expression in 'for'"
        init, condition, iterator = [*parts, "", ""][:3]
        if init:
            yield from self.statement(init)
        yield from self.loop(body, lambda: not condition or self.condition(condition),
                             test_first=True, iterator=iterator)

    def switch_statement(self, text: str) -> _Steps:
        """``switch [-Regex|-Wildcard|-Exact] [-CaseSensitive] (<value>) { <clause> { ... }
        ... default { ... } }``: for each item of a value the simulator knows, every clause
        that matches it runs, with ``$_`` the item (``default`` only if none did);
        ``break`` ends the switch, ``continue`` goes on with the next item."""
        m = _SWITCH.match(text)
        assert m is not None
        mode, sensitive = _switch_mode(m.group("flags"))
        value_text, body = _loop_parts(text, m.end() - 1)
        clauses = _switch_clauses(body)
        value = self.expression(value_text)
        if value is None or value == ():
            raise Unknown(text)  # whether $null or @() is one item or none: not modelled
        if any(item is None for item in _items(value)):
            raise Unknown(text)  # how a clause compares with a $null item: not modelled
        with self.in_loop(text):
            for item in _items(value):
                self.step()
                try:
                    with self.item_bound(item, None):
                        yield from self.switch_item(item, clauses, mode, sensitive)
                except _Continue:
                    continue
                except _Break:
                    return

    def switch_item(self, item: Scalar, clauses: Sequence[tuple[str, str]], mode: str,
                    sensitive: bool) -> _Steps:
        """One item through a switch's clauses, in order (a clause's value is evaluated when
        its turn comes: an earlier clause's block may change it)."""
        matched = False
        for condition, action in clauses:
            if condition.casefold() != "default" and self.switch_test(condition, item, mode,
                                                                      sensitive):
                matched = True
                yield from self.block(action)
        if not matched:
            for condition, action in clauses:
                if condition.casefold() == "default":
                    yield from self.block(action)

    def switch_test(self, condition: str, item: Scalar, mode: str, sensitive: bool) -> bool:
        """Whether ``item`` matches a clause: a ``{ ... }`` block's value, as a condition;
        else the clause's value and the item compared as strings (PowerShell converts both),
        ignoring case unless ``-CaseSensitive``, as wildcards (``-Wildcard``) or a regular
        expression (``-Regex``) if the clause is a string."""
        if condition.startswith("{"):
            inner = condition[1:-1]
            if len(_statements(inner)) != 1:
                raise Unknown(condition)
            return self.condition(inner)
        value: Value
        if condition[0] in "'\"$(" or _NUMBER.match(condition):
            value = self.expression(condition)
        elif _SWITCH_WORD.fullmatch(condition):
            value = condition  # a bare word is a string
        else:
            raise Unknown(condition)
        if isinstance(value, tuple):
            raise Unknown(condition)  # a clause's value must be one value
        subject = _text(item)
        if mode == "regex" and isinstance(value, str):
            self.forget("matches")  # -Regex sets $Matches: not modelled
            return _pattern_match("match", subject, value, sensitive)
        if mode == "wildcard" and isinstance(value, str):
            return _pattern_match("like", subject, value, sensitive)
        clause = _text(value)
        if subject == clause or sensitive:
            return subject == clause
        if not (subject + clause).isascii():
            raise Unknown(clause)  # .NET ignores case by culture: only ASCII is certain
        return subject.lower() == clause.lower()

    def loop(self, body: str, holds: Callable[[], bool], *, test_first: bool,
             iterator: str = "") -> _Steps:
        """Run a loop's ``body`` while ``holds()`` (tested before each run if
        ``test_first``, else after), with ``iterator`` after each run; ``break`` and
        ``continue`` (through calls, as in PowerShell). Each run counts a statement, so a
        loop that never ends ends in :data:`TOO_LONG`. A condition or iterator the
        simulator cannot evaluate, first or later, leaves the rest of the loop not
        interpreted: the statement is skipped from there (what it assigns is unknown), as
        does a skipped statement that may have left the loop (:class:`_NotFollowed`)."""
        with self.in_loop(body):
            if test_first and not holds():
                return
            while True:
                self.step()
                try:
                    yield from self.block(body)
                except _Continue:
                    pass
                except _Break:
                    return
                if iterator:
                    yield from self.statement(iterator)
                if not holds():
                    return

    @contextlib.contextmanager
    def in_loop(self, text: str) -> Iterator[None]:
        """Run a loop (``text``, named if it cannot be followed): ``break``/``continue`` count
        inside it, and a skipped statement that may have left it (:class:`_NotFollowed`)
        makes the rest of it not interpreted."""
        self.loops += 1
        self.loops_here += 1
        try:
            yield
        except _NotFollowed:
            raise Unknown(text) from None
        finally:
            self.loops -= 1
            self.loops_here -= 1

    # -- functions ----------------------------------------------------------------------------
    def define(self, text: str) -> None:
        """``function Name { param(...) ... }`` or ``function Name($a, $b) { ... }``: the
        function exists from now on, in this scope. One the simulator cannot bind exactly (a
        ``filter``, ``begin``/``process``/``end`` blocks, a parameter type or attribute it
        does not know) is defined too, so that calling it is not interpreted (never a
        command of the same name)."""
        m = _FUNCTION.match(text)
        assert m is not None
        name = m.group("name").casefold()
        self.defined = True
        try:
            function = _function(m.group("kind").casefold(), name, text[m.end() :])
        except Unknown:
            # Its whole text is its body: what a skipped call may assign is read from it.
            function = _Function(name, None, text[m.end() :])
        scope = (self.top if (m.group("scope") or "").casefold() in ("global", "script")
                 else self.scope)
        scope.functions[name] = function

    def function(self, name: str) -> _Function | None:
        """The function ``name`` (case-folded) the script defined, seen from this scope."""
        if not self.defined:
            return None
        scope: _Scope | None = self.scope
        while scope is not None:
            if name in scope.functions:
                return scope.functions[name]
            scope = scope.parent
        return None

    def invoked(self, text: str) -> _Function | None:
        """The script's function ``text`` calls, if it is a call of one."""
        if not self.defined:
            return None
        m = _COMMAND_NAME.match(text.strip())
        return None if m is None else self.function(m.group().casefold())

    def called(self, text: str) -> list[_Function]:
        """The script's functions ``text`` names (it may call them)."""
        words = _command_words(text)
        found: dict[str, _Function] = {}
        scope: _Scope | None = self.scope
        while scope is not None:
            for name, function in scope.functions.items():
                if name in words and name not in found:  # the nearest one is the one called
                    found[name] = function
            scope = scope.parent
        return list(found.values())

    def call(self, function: _Function, args: Sequence[str]) -> _Steps:
        """Run ``function`` with ``args`` in a scope of its own; its output goes where the
        caller's goes. A call the simulator cannot bind is not interpreted: what the
        function may assign outside itself is unknown afterwards."""
        try:
            scope = self.bind(function, args)
        except Unknown:
            self.forget_effects(function, set())
            raise
        self.step()
        caller, self.scope = self.scope, scope
        callers_loops, self.loops_here = self.loops_here, 0
        try:
            yield from self.block(function.body)
        except _Return:
            pass
        finally:
            self.scope, self.loops_here = caller, callers_loops

    def pipeline(self, text: str) -> _Steps:
        """The pipelines interpreted: ``... | ForEach-Object { }`` and ``... | Where-Object
        { }`` (:meth:`filtered`), as a statement or assigned (``$v = ... | ForEach-Object
        { }``: what it outputs, collected as a function's output is, one object itself,
        several an array, none PowerShell's AutomationNull; a statement the block skipped
        that may have output something leaves ``$v`` unknown, :meth:`skipped` forgets it),
        and a script's function ``| Out-Null``; any other is not."""
        assignment = _ASSIGN.match(text)
        if assignment is not None:
            steps = self.filtered(assignment.group("rhs"))
            if steps is None:
                raise Unknown(text)  # another pipeline assigned
            items = yield from self.captured_items(steps)
            self.assign(assignment, _collected(items), evaluated=True,
                        nothing=True if not items else None)
            return
        steps = self.filtered(text)
        if steps is not None:
            yield from steps
        else:
            yield from self.discarded(text)

    def filtered(self, text: str) -> _Steps | None:
        """``text``'s run if it pipes a value into ``ForEach-Object`` with a block, or
        through stages of ``Where-Object`` and ``Select-Object -First`` (:func:`_stage`),
        else None."""
        m = _FOR_EACH_OBJECT.match(text)
        if m is not None:
            return self.for_each_object(m.group("left"), text[m.end() :])
        left, *rest = split_top(text, _PIPE, escape="`", single_doubles=True)
        stages = [_stage(part) for part in rest]
        if not stages or None in stages:
            return None
        return self.piped_through(left, [stage for stage in stages if stage is not None])

    def piped_through(self, left: str, stages: Sequence[tuple[str, str]]) -> _Steps:
        """``<value> | Where-Object { condition } | Select-Object -First N ...``: each item
        of a value the simulator knows goes through the stages in turn, as PowerShell
        passes it on. ``Where-Object`` keeps it when its block is true, ``$_`` the item, as an
        ``if`` reads its condition (PowerShell's IsTrue of what the block outputs);
        ``Select-Object -First N`` keeps the first N and, once it has them, stops the items
        before it (StopUpstreamCommandsException): no later item is read. A call of the
        script's function on the left is not interpreted (PowerShell passes each object on
        as it is output, so what is kept is written between what the function writes to the
        host); nor is ``Where-Object`` inside a ``try`` or under a preference other than
        ``Stop`` (it writes an error of its block as a non-terminating one and goes on with
        the next item, so only ``Stop`` ends the script with it as an ``if`` would); nor is
        ``-First`` of anything but a number from 1 to an Int32's largest, nor ``$null``
        given to it (PowerShell 7 drops it)."""
        preference = _text(self.read_variable("erroractionpreference")).strip().casefold()
        if (_piped_or_redirected(left) or (self.defined and self.invoked(left.strip()))
                or (any(kind == "where" for kind, _ in stages)
                    and (self.trying > 0 or preference != "stop"))):
            raise Unknown(left)
        limits = [self.first_count(arg) if kind == "first" else 0 for kind, arg in stages]
        taken = [0] * len(stages)
        for item in self.enumerated(left):
            self.step()
            kept = stopped = False
            for i, (kind, arg) in enumerate(stages):
                if kind == "where":
                    with self.item_bound(item, None):
                        if not self.condition(arg):
                            break
                    continue
                if item is None:
                    raise Unknown("$null to Select-Object")
                taken[i] += 1
                stopped = stopped or taken[i] == limits[i]
            else:
                kept = True
            if kept:
                self.output((item,))
            if stopped:
                break
        yield from ()

    def first_count(self, arg: str) -> int:
        """``Select-Object -First N``'s N: a number from 1 to an Int32's largest (0 and
        what PowerShell converts or refuses are not modelled)."""
        count = self.word(arg)
        if not isinstance(count, int) or isinstance(count, bool) or not (
                1 <= count <= _INT32_MAX):
            raise Unknown(arg)
        return count

    def for_each_object(self, left: str, block: str) -> _Steps:
        """``<value> | ForEach-Object { ... }`` (``%``, ``foreach``): the block runs for each
        item of a value the simulator knows, in this scope, ``$_`` the item; ``return``
        ends one item's run. A block holding ``break``/``continue`` (they leave the loop
        around the pipeline, or the script) is not interpreted."""
        close = _closing(block, 0)
        body = block[1:close]
        if block[close + 1 :].strip() or _piped_or_redirected(left) or _LOOP_EXIT.search(body):
            raise Unknown(block)
        for item in self.enumerated(left):
            self.step()
            with contextlib.suppress(_Return):
                yield from self.with_item(body, item, None)

    def enumerated(self, text: str) -> tuple[Scalar, ...]:
        """The objects ``text`` sends down a pipeline (``text | ForEach-Object``, ``@(text)``):
        a call's its output, in order (a ``$null`` output is one; none if it output
        nothing); an array's its items; a ``$null`` value one, PowerShell's AutomationNull
        (the nothing a command's empty output is, kept in a variable or given by an index
        beyond an array) none, and a ``$null`` that may be either is unknown (see
        :meth:`automation_null`)."""
        text = text.strip()
        if self.defined and (function := self.invoked(text)) is not None:
            return self.call_items(text, function)
        value = self.expression(text)
        if value is not None:
            return _items(value)
        if not _expression_mode(text):
            return ()  # a command (Get-Service) that output nothing
        nothing = self.automation_null(text)
        if nothing is None:
            return (None,)
        if nothing:
            return ()
        raise Unknown(text)

    def automation_null(self, text: str) -> bool | None:
        """Whether the ``$null`` an expression gave is PowerShell's AutomationNull, the
        "nothing" a pipeline that output nothing collects to, rather than a ``$null`` object:
        the two differ where they are enumerated (``@($x)`` holds none or one item, a
        function outputting one outputs nothing or a ``$null``). None: a ``$null`` (``$null``
        itself, ``$env:X``, a variable never set or assigned a ``$null``, a parameter: an
        argument's AutomationNull is bound as ``$null``); True: AutomationNull (a variable
        assigned a call that output nothing); False: it may be either (an index beyond an
        array gives AutomationNull, a bracketed call either; a variable assigned either)."""
        m = _NULL_SOURCE.fullmatch(text.strip())
        if m is None:
            return False
        body = m.group(0)[1:]
        if body.startswith("{") or body[:4].casefold() == "env:":
            return None  # the environment's: a variable unset reads $null
        qualifier, _, name = body.casefold().rpartition(":")
        key = name
        scope: _Scope | None = self.top if qualifier in ("script", "global") else self.scope
        while scope is not None:
            if key in scope.variables:
                return scope.empty.get(key)
            scope = None if qualifier in ("local", "private") else scope.parent
        return None

    def discarded(self, text: str) -> _Steps:
        """``Get-Thing ... | Out-Null`` for a function the script defines: it runs, its
        output is dropped; an expression (``$list.Trim() | Out-Null``) is evaluated, its
        errors the statement's, and outputs nothing. Any other pipeline is not
        interpreted."""
        m = _TO_OUT_NULL.fullmatch(text)
        if m is None or _piped_or_redirected(m.group(1)) or self.function("out-null"):
            raise Unknown(text)
        function = self.invoked(m.group(1))
        if function is None:
            if not _expression_mode(m.group(1).strip()):
                raise Unknown(text)  # a command not the script's
            self.expression(m.group(1))
            return
        # Whatever it output is dropped: unknown or not, nothing is printed.
        with contextlib.suppress(Unknown):
            yield from self.captured(self.call(function, _words(m.group(1).strip())[1:]))

    def step(self, cost: int = 1) -> None:
        self.steps += cost
        if self.steps > _MAX_STEPS:
            raise _Runaway

    def weighed(self, value: Value) -> None:
        """Count the work a text operator or method is about to do on ``value`` against
        :data:`_MAX_STEPS`: a step a thousand characters of its texts, before the work."""
        self.step(_weight(value) // 1000)

    def charged(self, value: _Built) -> _Built:
        """``value``, a string or array just built, counted against :data:`_MAX_STEPS` (a
        step a thousand characters or items): building long ones again and again takes
        time too."""
        if isinstance(value, str | tuple) and len(value) >= 1000:
            self.step(len(value) // 1000)
        return value

    def captured(self, steps: _Steps) -> Generator[float, None, Value]:
        """Run ``steps`` (a function's call, a ForEach-Object block) for their value: what
        they output, collected (see :class:`_Capture`)."""
        items = yield from self.captured_items(steps)
        return _collected(items)

    def captured_items(self, steps: _Steps) -> Generator[float, None, tuple[Scalar, ...]]:
        """Run ``steps`` for the objects they output, in order (``$null`` is one; none: the
        command output nothing, PowerShell's AutomationNull once collected)."""
        capture = _Capture()
        self.captures.append(capture)
        try:
            yield from steps
        finally:
            self.captures.pop()
        if capture.unknown:
            raise Unknown("a function's output")
        return tuple(capture.items)

    def call_value(self, text: str, function: _Function) -> Value:
        """A call inside an expression (``"$(Get-Thing)"``, ``if (Test-Java $p)``): its
        value. Expressions do not sleep, so a function that may is not called here (the
        statement holding it is not interpreted)."""
        return _collected(self.call_items(text, function))

    def call_items(self, text: str, function: _Function) -> tuple[Scalar, ...]:
        """The objects a call inside an expression outputs (see :meth:`call_value`): what
        ``@(Get-Thing)``, ``Get-Thing | ForEach-Object`` and ``foreach ($x in Get-Thing)``
        enumerate, a ``$null`` output one of them."""
        if self.may_sleep(function, set()):
            self.forget_effects(function, set())
            raise Unknown(text)
        steps = self.captured_items(self.call(function, _words(text.strip())[1:]))
        while True:
            try:
                next(steps)
            except StopIteration as done:
                items: tuple[Scalar, ...] = done.value
                return items
            raise AssertionError("a function that does not sleep slept")  # pragma: no cover

    def may_sleep(self, function: _Function, seen: set[str]) -> bool:
        if function.name in seen:
            return False
        seen.add(function.name)
        return bool(_SLEEPS.search(function.body)) or any(
            self.may_sleep(f, seen) for f in self.called(function.body))

    def forget_effects(self, function: _Function, seen: set[str]) -> None:
        """A call of ``function`` was skipped: what it may assign outside itself (``$script:x
        = ...``, ``$env:X = ...``, ``SetEnvironmentVariable('X', ...)`` of the script's own X,
        in the functions it calls too) is unknown."""
        if function.name in seen:
            return
        seen.add(function.name)
        for m in _SCOPED_ASSIGNED.finditer(function.body):
            self.forget(m.group(1), self.top)
        self.forget_casts(function.body, None)
        self.forget_shared(_shared(function.body))
        self.forget_tables(function.body)
        self.forget_env(function.body)
        for other in self.called(function.body):
            self.forget_effects(other, seen)

    def bind(self, function: _Function, args: Sequence[str]) -> _Scope:
        """The scope a call of ``function`` runs in: its parameters bound as PowerShell binds
        them (``-Name value``, ``-Name:value``, a unique prefix, then the positional
        arguments in order; a simple function's others in ``$args``), converted to their
        types, the rest their defaults."""
        if function.parameters is None:
            raise Unknown(function.name)
        parameters = {p.name: p for p in function.parameters}
        named: dict[str, Value] = {}
        positional: list[Value] = []
        action: Value = None
        i = 0
        while i < len(args):
            arg = args[i]
            if arg[0] in _PS_DASH:  # PowerShell reads a typographic dash as a hyphen
                arg = "-" + arg[1:]
            if not _is_parameter(arg):
                positional.append(self.word(arg))
                i += 1
                continue
            raw, colon, inline = arg[1:].partition(":")
            found = [n for n in parameters if n == raw.casefold()] or [
                n for n in parameters if n.startswith(raw.casefold())]
            if not found and function.advanced and _ERROR_ACTION.fullmatch(raw):
                if colon and inline:
                    action, i = self.word(inline), i + 1
                elif not colon and i + 1 < len(args):
                    action, i = self.word(args[i + 1]), i + 2
                else:
                    raise Unknown(arg)
                continue
            if len(found) != 1:
                if function.advanced or found:
                    raise Unknown(arg)  # "A parameter cannot be found", or ambiguous
                positional.append(arg)  # a simple function gets it as written, in $args
                i += 1
                continue
            parameter = parameters[found[0]]
            if parameter.name in named:
                raise Unknown(arg)  # bound twice: PowerShell refuses the call
            if parameter.type == "switch":
                named[parameter.name] = _truthy(self.word(inline)) if colon else True
                i += 1
                continue
            if colon and inline:
                named[parameter.name] = self.word(inline)
                i += 1
            elif i + 1 < len(args) and not _is_parameter(args[i + 1]):
                named[parameter.name] = self.word(args[i + 1])
                i += 2
            else:
                raise Unknown(arg)  # a missing value: PowerShell refuses the call
        for parameter in function.parameters:
            if parameter.name not in named and parameter.type != "switch" and positional:
                named[parameter.name] = positional.pop(0)
        if function.advanced and positional:
            raise Unknown(function.name)  # "A positional parameter cannot be found"
        scope = _Scope(parent=self.scope)
        caller, self.scope = self.scope, scope
        try:  # the defaults are evaluated in the new scope: they may read earlier parameters
            for parameter in function.parameters:
                value: Value
                if parameter.name in named:
                    value = named[parameter.name]
                elif parameter.mandatory:
                    raise Unknown(parameter.name)  # PowerShell would prompt: not modelled
                elif parameter.default is not None:
                    value = self.expression(parameter.default)
                else:
                    value = _UNBOUND.get(parameter.type)
                scope.variables[parameter.name] = _converted(value, parameter.type)
                if parameter.type in ("string", "int", "long"):
                    scope.types[parameter.name] = parameter.type
        finally:
            self.scope = caller
        if any(isinstance(v, tuple) for v in positional):
            raise Unknown(function.name)  # an array in $args: arrays of arrays not modelled
        scope.variables["args"] = tuple(v for v in positional if not isinstance(v, tuple))
        if action is not None:
            scope.variables["erroractionpreference"] = action
        return scope

    def return_statement(self, value: str) -> None:
        """``return [value]``: the value is output, then the function (or script) ends. A
        value the simulator cannot evaluate still returns: what the function outputs is
        then unknown."""
        if value.strip():
            try:
                if _piped_or_redirected(value):
                    raise Unknown(value)
                function = self.invoked(value)
                if function is None:
                    self.output_expression(value)
                else:
                    self.output(self.call_items(value, function))
            except Unknown:
                if self.captures:
                    self.captures[-1].unknown = True
        raise _Return

    # -- variables ----------------------------------------------------------------------------
    def assign(self, m: re.Match[str], value: Value = None, evaluated: bool = False,
               nothing: bool | None = None) -> None:
        """``$x = ...``, ``$script:x = ...``, ``$env:X = ...``; ``[string]$x = ...`` makes
        ``$x`` a string variable (what it is assigned, then and later, is converted to a
        string). ``nothing``: an ``evaluated`` value's ``$null`` is AutomationNull (a call
        that output nothing), as :meth:`automation_null` tells for an expression's."""
        env_name = m.group("braced") or m.group("env")
        name = env_name or m.group("var")
        qualifier = (m.group("scope") or "").casefold()
        if qualifier == "private" or (qualifier == "global" and self.global_cast):
            # private: hidden from the functions it calls, not modelled; global: it may
            # have a constraint the script's own scope does not
            raise Unknown(m.group(0))
        scope = self.top if qualifier in ("script", "global") else self.scope
        if not evaluated and not env_name and not m.group("cast") and (
                entries := _hashtable_entries(m.group("rhs"))) is not None:
            self.assign_table(name, entries, scope)
            return
        try:
            if not evaluated:
                value = self.expression(m.group("rhs"))
        except Unknown:
            if env_name:
                self.stores["process"].forget(self.env_key(env_name))
            else:
                self.forget(name, scope, constraint=bool(m.group("cast")))
            raise
        if env_name:
            self.setenv(env_name, None if value is None or value == "" else _text(value))
            return
        if value is None and not evaluated:
            # Read before $x changes ($x = $x): a plain expression's value is assigned as it
            # is (Compiler.cs compiles it without capturing a pipeline), a copy of an
            # AutomationNull one too (a variable's read gives what it holds).
            nothing = self.automation_null(m.group("rhs"))
        if m.group("cast"):
            scope.types[name.casefold()] = _PARAMETER_TYPES[m.group("cast").casefold()]
        self.set_variable(name, value, scope)
        if value is None and nothing is not None and scope.variables[name.casefold()] is None:
            scope.empty[name.casefold()] = nothing

    def assign_call(self, m: re.Match[str], function: _Function) -> _Steps:
        """``$v = Get-Thing ...``: the function runs (it may sleep), its output is ``$v``."""
        try:
            items = yield from self.captured_items(self.call(function,
                                                             _words(m.group("rhs").strip())[1:]))
        except Unknown:
            if m.group("braced") or m.group("env"):
                self.stores["process"].forget(self.env_key(m.group("braced") or m.group("env")))
            else:
                qualifier = (m.group("scope") or "").casefold()
                self.forget(m.group("var"), self.top if qualifier in ("script", "global")
                            else self.scope, constraint=bool(m.group("cast")))
            return  # the call ran (its effects stand); what it output, and so $v, is unknown
        self.assign(m, _collected(items), evaluated=True,
                    nothing=True if not items else None)

    def assign_table(self, name: str, entries: tuple[tuple[str, str], ...],
                     scope: _Scope) -> None:
        """``$name = @{ ... }``: each entry's value evaluated in order (a scalar: an array
        in a table is shared with whatever copies it out, which the simulator does not
        follow), the variable the table (see :meth:`table`). What cannot be read leaves
        the statement not interpreted."""
        try:
            table: dict[str, Value] = {}
            for key, text in entries:
                if not _expression_mode(text):
                    raise Unknown(text)  # a command (PowerShell reads a statement there)
                value = self.expression(text)
                if isinstance(value, tuple):
                    raise Unknown(text)
                table[key] = value
            if name.casefold() in scope.types:
                raise Unknown(name)  # [string]$h: the table converted, not modelled
            self.set_variable(name, None, scope)  # its checks: a constraint, a constant
        except Unknown:
            self.forget(name, scope)
            raise
        self.forget(name, scope)
        scope.tables[name.casefold()] = table

    def table(self, name: str) -> dict[str, Value] | None:
        """The entries of the hashtable literal ``$name`` holds, seen from this scope (None:
        it holds no table the simulator reads); unknown if a statement not interpreted may
        have set it."""
        key = name.casefold()
        scope: _Scope | None = self.scope
        while scope is not None:
            if key in scope.variables:
                return None
            if key in scope.tables:
                return scope.tables[key]
            if key in scope.unknown or scope.every:
                raise Unknown("$" + name)
            scope = scope.parent
        return None

    def table_entry(self, m: re.Match[str]) -> Value:
        """``$h.Key``, ``$h['Key']`` of a table (:meth:`table`): the entry (keys ignore
        case), ``$null`` for none (after ``Set-StrictMode``, not modelled); ``$h.Count``
        the entries unless a key is named so; the Hashtable's other properties
        (``.Keys``, whose order is not defined) are not modelled."""
        table = self.table(m.group("var"))
        if table is None:
            raise Unknown(m.group(0))
        member = m.group("member")
        key = (member or m.group("single") or m.group("double") or "").lower()
        if key in table:
            return table[key]
        if member and key in _HASHTABLE_PROPERTIES:
            if key == "count":
                return len(table)
            raise Unknown(m.group(0))
        if self.strict:
            raise Unknown(m.group(0))
        return None

    def forget_tables(self, text: str) -> None:
        """A skipped ``text`` may have changed the tables of the variables it names (or, if
        it names a variable cmdlet or provider, of any): they are no longer read."""
        if _NAMES_VARIABLES.search(text):
            names = None
        else:
            names = {m.group(1).casefold() for m in _VARIABLE_NAMED.finditer(text)}
        scope: _Scope | None = self.scope
        while scope is not None:
            if scope.tables:
                for key in list(scope.tables):
                    if names is None or key in names:
                        del scope.tables[key]
                        scope.unknown.add(key)
            scope = scope.parent

    def compound(self, m: re.Match[str]) -> None:
        """``$x += v``, ``$x -= v``, ``$x *= v``, ``$x /= v``, ``$x %= v``, ``$x++``, ``$x--``:
        as the operator in an expression (``+``: an array gets the items appended, a string
        the text; ``*``: a string or array repeated), ``-`` on numbers only."""
        qualifier = (m.group("scope") or "").casefold()
        scope = self.top if qualifier in ("script", "global") else self.scope
        try:
            if qualifier == "global" and self.global_cast:
                raise Unknown(m.group(0))  # see assign
            current = self.read_variable(m.group("var"), qualifier)
            op = m.group("op") or m.group("step")[0]
            change = self.expression(m.group("rhs")) if m.group("rhs") else 1
            if op in "+*/%" and m.group("rhs"):
                self.appendable(current, change, m.group("rhs"))
                value = _binary(op, current, change)
            else:  # -=, ++, --: numbers ($null is 0)
                number = 0 if current is None else current
                if (not isinstance(number, int | float) or isinstance(number, bool)
                        or (op == "-" and isinstance(change, bool | tuple | str))):
                    raise Unknown(m.group(0))
                value = _arithmetic("+" if op == "+" else "-", number,
                                    _as_number(change, number))
        except Unknown:
            self.forget(m.group("var"), scope)
            raise
        self.set_variable(m.group("var"), self.charged(value), scope)
        if value is None and change is None and self.automation_null(m.group("rhs")) is not None:
            scope.empty[m.group("var").casefold()] = False  # $null + AutomationNull: either

    def appendable(self, left: Value, right: Value, text: str) -> None:
        """``left + right`` where ``right`` (written ``text``) is a ``$null`` that may be
        AutomationNull, and ``left`` an array: PowerShell appends a ``$null`` object and
        nothing for AutomationNull (an empty collection), so unless ``right`` is known to be
        ``$null`` it is unknown."""
        if right is None and isinstance(left, tuple) and self.automation_null(text) is not None:
            raise Unknown(text)

    def set_variable(self, name: str, value: Value, scope: _Scope | None = None) -> None:
        """``$name = value`` in ``scope`` (the current one by default), converted to the
        variable's type if it has one (``[int]$n`` given more than an Int32 holds: unknown,
        where PowerShell fails to convert; a double's text may be unknown too)."""
        scope = scope or self.scope
        key = name.casefold()
        if key in _EDITION_KEYS and self.edition_value(key) is not None:
            raise Unknown("$" + name)  # read-only (a constant in 7): PowerShell's error
        if scope.every_cast or (scope.casts and key in scope.casts):
            # A constraint the simulator does not know converts (or refuses) the value.
            raise Unknown("$" + name)
        kind = scope.types.get(key)
        value = value if kind is None else _converted(value, kind)
        scope.unknown.discard(key)
        scope.variables[key] = value
        scope.tables.pop(key, None)
        if scope.empty:
            scope.empty.pop(key, None)

    def forget(self, name: str, scope: _Scope | None = None, constraint: bool = False) -> None:
        """``$name`` may have been assigned by a statement that was skipped: it is unknown.
        Its type stays (PowerShell keeps a variable's constraint through a plain assignment)
        unless the statement may have declared one (``constraint``: ``[int]$x = ...``, a
        variable cmdlet): then it is unknown, and so is what is assigned to it from now on
        (see :meth:`set_variable`)."""
        scope = scope or self.scope
        key = name.casefold()
        scope.variables.pop(key, None)
        scope.tables.pop(key, None)
        if constraint:
            scope.types.pop(key, None)
            scope.casts.add(key)
        scope.empty.pop(key, None)
        scope.unknown.add(key)

    def forget_casts(self, text: str, scope: _Scope | None) -> None:
        """A skipped ``text`` may have given its cast variables (``[int]$x = ...``) a type
        constraint: in ``scope`` (None: only the ``$script:``/``$global:`` ones), or the
        script's for a scope-qualified one."""
        if "]" not in text:
            return
        for m in _CAST_ASSIGNED.finditer(text):
            qualifier = (m.group("q1") or m.group("q2") or "").casefold()
            target = self.top if qualifier in ("script", "global") else scope
            if target is not None:
                self.forget(m.group("braced") or m.group("var"), target, constraint=True)

    def forget_all(self, dot_sourced: bool) -> None:
        """A script the simulator did not run, dot-sourced into this scope or called, may
        have set any variable, in this scope or any it sees (``$global:x``, ``Set-Variable
        -Scope 1``), any ``$env:X`` (one process), and defined any function (a call of one
        of the script's own is no longer interpreted): all unknown until set again. What it
        may have set in the machine's or the user's store is not followed, as for any
        command not interpreted. Dot-sourced, it may also have declared any variable here
        with a type constraint (``[int]$x = 0``): what is assigned to any is unknown for good."""
        self.global_cast = True
        # It may have gone to the env: drive or the registry (cd, Set-Location), or made a
        # drive onto either (New-PSDrive): the session's location and drives are its too.
        self.env_location = self.registry_location = True
        scope: _Scope | None = self.scope
        while scope is not None:
            scope.variables.clear()
            scope.empty.clear()
            scope.tables.clear()
            scope.every = True
            if dot_sourced:
                scope.types.clear()
                scope.every_cast = True
            for name in scope.functions:
                scope.functions[name] = _Function(name, None)
            scope = scope.parent
        self.defined = True
        self.stores["process"].forget(None)

    def forget_shared(self, shared: tuple[frozenset[str], frozenset[str]]) -> None:
        """Variables (names or wildcards) a skipped statement may have changed in any scope
        (see :func:`_shared`): unknown in every scope this one sees, and so is every
        variable holding the same array (PowerShell's arrays are shared, not copied); and
        the type constraint of those a variable cmdlet names."""
        mutated, cmdlet = shared
        if not mutated and not cmdlet:
            return
        names = mutated | cmdlet
        scopes: list[_Scope] = []
        scope: _Scope | None = self.scope
        while scope is not None:
            scopes.append(scope)
            scope = scope.parent
        patterns = [_wildcard(n) for n in names if _WILDCARD & set(n)]
        objects = [s.variables[n] for s in scopes for n in names
                   if isinstance(s.variables.get(n), tuple)]
        named = [_wildcard(n) for n in cmdlet if _WILDCARD & set(n)]
        for s in scopes:
            doomed = {key for key, value in s.variables.items()
                      if key in names or any(p.fullmatch(key) for p in patterns)
                      or any(value is o for o in objects)}
            typed = {key for key in (s.variables.keys() | s.types.keys() | s.unknown)
                     if key in cmdlet or any(p.fullmatch(key) for p in named)} if cmdlet else set()
            for key in doomed | {n for n in names if not _WILDCARD & set(n)}:
                self.forget(key, s, constraint=key in typed or key in cmdlet)
            for key in typed:
                self.forget(key, s, constraint=True)

    def command(self, name: str, args: tuple[str, ...]) -> float | None:
        """Run a command; return the seconds it sleeps (None: it does not sleep)."""
        if name in ("start-sleep", "sleep"):
            return self.sleep_seconds(args)
        if name == "write-host":
            values, named = self.write_args(name, args)
            for colour in ("foregroundcolor", "backgroundcolor"):
                if colour in named and not _console_colour(named[colour]):
                    raise Unknown(colour)  # PowerShell cannot bind it: the command fails
            separator = _text(named.get("separator", " "))
            # Each object is a text, an array its items' joined: $null and @() are empty
            # ones, still separated ('a' $null 'b' is "a  b").
            self.write_host(self.joined(separator, [self.joined(separator, v)
                                                    if isinstance(v, tuple) else v
                                                    for v in values]),
                            newline=not _truthy(named.get("nonewline", False)))
        elif name in ("write-output", "echo", "write"):
            values, named = self.write_args(name, args)
            self.write_output(values, not _truthy(named.get("noenumerate", False)))
        elif name in ("write-warning", "write-verbose"):
            level: OutputLevel = "warning" if name == "write-warning" else "verbose"
            values, _ = self.write_args(name, args)
            self.write(self.joined(" ", values), level)
        elif name == "write-error":
            values, named = self.write_args(name, args)
            self.error(self.joined(" ", values), named.get("erroraction"))
        elif name == "throw":
            self.throw(args)
        elif name == "exit":
            code = self.exit_code(" ".join(args)) if args else 0
            if code is not None:  # None: the conversion failed, and the preference continues
                raise ScriptExit(code)
        elif name == "fail-step":
            said = " ".join(self.printed(args))
            if said:
                # Calamari's Fail-Step writes its message as a service message, to standard
                # output: after Write-Host -NoNewline, the line it joins is not known.
                self.partial = None
                self.host.write(said, "error")
            raise ScriptExit(-1, said or None)
        elif name == "setx":
            self.setx(args)
        elif name == "set-strictmode":
            self.set_strict_mode(args)
        elif name == "set-octopusvariable":
            self.set_output(args)
        elif name == "get-service":
            services = self.get_service(args)  # its error counts wherever it runs
            if self.captures:  # a function's value; printed, its table is not modelled
                self.output(services)
        elif name in ("break", "continue") and not args and self.loops:
            raise _Break if name == "break" else _Continue
        else:
            raise Unknown(name)  # not interpreted: see skipped()
        return None

    def write_output(self, values: Sequence[Value], enumerated: bool) -> None:
        """``Write-Output``'s objects as bound: one is output as a bare value is (an array's
        items); several each in turn, ``$null`` too (printed, it prints nothing; in a
        function's value, it is an item). In a function's value, an array among several, or
        under ``-NoEnumerate``, is not modelled: Windows PowerShell sends its items,
        PowerShell 7 the array as one object (an array of arrays)."""
        if len(values) == 1:
            if self.captures and not enumerated and isinstance(values[0], tuple):
                raise Unknown("-NoEnumerate")
            # An argument's AutomationNull is bound as $null: Write-Output sends a $null.
            self.output((None,) if values[0] is None else values[0])
            return
        if self.captures and (not enumerated or any(isinstance(v, tuple) for v in values)):
            raise Unknown("Write-Output")
        self.output(tuple(item for v in values for item in (v if isinstance(v, tuple)
                                                            else (v,))))

    def output_expression(self, text: str) -> None:
        """An expression as a statement (or ``return``'s): its value output. A ``$null`` is
        one object, AutomationNull none (see :meth:`automation_null`): the same printed, but
        in a function's value one item or none, so unknown there when it may be either."""
        value = self.expression(text)
        if value is None and self.captures:
            nothing = self.automation_null(text)
            if nothing is False:
                raise Unknown(text)
            self.output(() if nothing else (None,))
            return
        self.output(value)

    def void_cast(self, operand: str) -> None:
        """``[void]<operand>``: the operand evaluated (its errors the statement's), nothing
        output. A cast binds tighter than the binary operators (``[void]$x + 1`` outputs
        ``$null + 1``), so an operand holding one is not interpreted, nor is a command."""
        operand = operand.strip()
        if not _expression_mode(operand) or any(len(level) > 1 for level in _splits(operand)):
            raise Unknown(operand)
        self.term(operand)

    def output(self, value: Value) -> None:
        """What reaches the success stream is printed, an array one item a line ($null
        prints nothing); in a function called for its value, it is that value."""
        items = _items(value)
        if self.captures:
            self.step(len(items) // 1000)
            self.captures[-1].items.extend(items)
            return
        if any(isinstance(item, _Service) for item in items):
            raise Unknown("a service's table")  # as Get-Service prints it: not modelled
        # Each line written counts: a tenth of a statement (a million-item array written
        # again and again filled the memory, one statement a time).
        self.step(len(items) // 10)
        for item in items:
            if item is not None:  # an array's $null, as $null itself, prints nothing
                self.write(_text(item))

    def write(self, line: str, level: OutputLevel = "info") -> None:
        """A line to the task log, counted against :data:`_MAX_STEPS` a step a thousand
        characters (writing a long value again and again takes time and memory). After a
        ``Write-Host -NoNewline`` (see :meth:`write_host`) the line it began is unknown, and
        so is this one unless it is an error (standard error, a stream of its own): the
        success stream's formatting and the warning and verbose functions of Calamari's
        bootstrap write to the same standard output, but whether they end that line or join
        it is not modelled."""
        if self.partial is not None or self.start_unknown:
            self.partial, self.start_unknown = None, False
            if level != "error":
                return
        self.emit(line + self.newline, level)

    @property
    def newline(self) -> str:
        """What ends a line PowerShell writes: the platform's newline."""
        return "\r\n" if self.host.os_family == "Windows" else "\n"

    def emit(self, text: str, level: OutputLevel = "info") -> None:
        """``text`` to the task log: Calamari reads the script's output a line at a time, as
        .NET's StreamReader.ReadLine ends one, at ``\r\n``, ``\r`` or ``\n`` (``"a`nb"``
        is two lines); a line break ending ``text`` ends its last line. What is written
        with a newline after it (:meth:`write`) has the platform's, ``\r\n`` on Windows
        and ``\n`` on Linux, where a ``\r`` ending the text makes one line break with it."""
        if len(text) >= 1000:
            self.step(len(text) // 1000)
        lines = LINE_BREAK.split(text)
        if not lines[-1]:
            lines.pop()
        for line in lines:
            self.host.write(line, level)

    def write_host(self, text: str, newline: bool) -> None:
        """``Write-Host``'s text, ending its line unless ``-NoNewline``: Calamari reads the
        script's standard output a line at a time, so ``Write-Host a -NoNewline; Write-Host
        b`` is the one line ``ab`` (Write-Host's docs), and what waits for the rest of its
        line at the script's end is a line of its own (:meth:`flush`). The lines a
        ``-NoNewline`` text ends are written (a ``\r`` ending it waits too: a ``\n`` after
        it belongs to it)."""
        if self.start_unknown and not newline:
            # It joins the line not known: what follows its first line break is known.
            first = LINE_BREAK.search(text, 0, len(text) - text.endswith("\r"))
            if first is None:
                return
            self.start_unknown, text = False, text[first.end() :]
        pending, self.partial = self.partial or "", None
        if newline:
            self.write(pending + text)
            return
        written = pending + text
        cut = len(written) - 1 if written.endswith("\r") else len(written)
        end = max((m.end() for m in LINE_BREAK.finditer(written, 0, cut)), default=0)
        if end:
            self.emit(written[:end])
        self.partial = written[end:] or None

    def flush(self) -> None:
        """The script ended (its end, ``exit``): a line Write-Host began is a line (one whose
        start is not known is not known)."""
        self.start_unknown = False
        if self.partial is not None:
            pending, self.partial = self.partial, None
            self.emit(pending)

    def joined(self, separator: str, items: Sequence[Value]) -> str:
        """``items``' texts joined by ``separator`` (``-join``, an array in a string or an
        argument), counted a step a hundred items before it is built (converting each to
        text costs about what a statement does), and unknown past :data:`_MAX_LENGTH` (see
        :func:`_joined`)."""
        if len(items) >= 100:
            self.step(len(items) // 100)
        return _joined(separator, items)

    def text(self, value: Value) -> str:
        """``value``'s text (an array's items joined by a space), counted as
        :meth:`joined`."""
        if isinstance(value, tuple):
            return self.joined(" ", value)
        return _text(value)

    def throw(self, args: Sequence[str]) -> NoReturn:
        """``throw [value]``: a RuntimeException with the value as its message; in a
        ``catch``, a bare ``throw`` (or ``throw $_``) throws the caught error again."""
        error = self.caught[-1] if self.caught else None
        if error is not None and (not args or (len(args) == 1 and args[0].casefold() in (
                "$_", "$psitem"))):
            raise error
        if args and (args[0][0] in "'\"$([@" or _NUMBER.match(args[0])):
            message = _text(self.keyword_value(" ".join(args)))
        else:
            message = " ".join(self.printed(args)) if args else "ScriptHalted"
        raise _Thrown(message, message, (_RUNTIME,))

    def error(self, line: str, action: Value = None, *, message: str | None = None,
              exception: str = "Microsoft.PowerShell.Commands.WriteErrorException") -> None:
        """A non-terminating error (``Write-Error``, a cmdlet's): what ``-ErrorAction`` or
        ``$ErrorActionPreference`` says: ``Stop`` makes it terminating (a ``catch`` sees
        ``exception`` wrapped in an ActionPreferenceStopException; uncaught, ``line`` ends
        the script with exit 1), ``Continue`` prints ``line`` as an Error line,
        ``SilentlyContinue``/``Ignore`` drop it."""
        self.by_preference(line, action, _Thrown(line, line if message is None else message,
                                                 (exception, _STOP)))

    def method_error(self, name: str, text: str) -> NoReturn:
        """``Boolean.Parse``'s FormatException for ``text`` from the .NET method ``name``:
        PowerShell's MethodInvocationException around it (a :meth:`statement_error`), its
        message .NET's, which differs by edition (unknown where that is not known)."""
        if self.edition is None:
            raise Unknown(name)
        reason = ("String was not recognized as a valid Boolean." if self.edition == "Desktop"
                  else f"String '{text}' was not recognized as a valid Boolean.")
        self.statement_error(f'Exception calling "{name}" with "1" argument(s): "{reason}"',
                             (_METHOD_INVOCATION, "System.FormatException"))

    def statement_error(self, message: str,
                        exceptions: tuple[str, ...] = (_RUNTIME,)) -> NoReturn:
        """An error PowerShell itself raises that ends its statement (a RuntimeException: a
        method called on ``$null``). Inside a ``try``, or under ``Stop`` (Calamari's
        preference), it is terminating: a ``catch`` takes it, else the script fails with
        its message. Otherwise the statement ends there, the message printed under
        ``Continue``; what the statement would have assigned is then unknown."""
        self.by_preference(message, None, _Thrown(message, message, exceptions),
                           terminating=self.trying > 0)
        raise Unknown(message)

    def by_preference(self, line: str, action: Value, error: _Thrown, *,
                      terminating: bool = False) -> None:
        """An error, as ``action`` (None: ``$ErrorActionPreference``) says: under ``Stop``
        (or ``terminating``) ``error`` is raised; ``Continue`` prints ``line`` as an Error
        line; ``SilentlyContinue``/``Ignore`` drop it."""
        if action is None:
            action = self.read_variable("erroractionpreference")
        chosen = _text(action).strip().casefold()
        if terminating or chosen == "stop":
            raise error
        if chosen == "continue":
            self.emit(line + self.newline, "error")
        elif chosen not in ("silentlycontinue", "ignore"):
            raise Unknown(chosen)  # Inquire, Suspend, a number: not modelled

    def read_variable(self, name: str, qualifier: str = "") -> Value:
        """``$name`` (``$script:name``, ``$local:name``): its value in the nearest scope that
        has it; ``$null`` if the script never set it, unknown if a skipped statement may
        have (or PowerShell sets it itself)."""
        key = name.casefold()
        if key in _CONSTANTS:
            return _CONSTANTS[key]
        qualifier = qualifier.casefold()
        scope: _Scope | None = (self.top if qualifier in ("script", "global") else self.scope)
        global_read = False  # whether the lookup reached the global scope (the script's)
        while scope is not None:
            if key in scope.variables:
                return scope.variables[key]
            if key in scope.unknown or scope.every:
                raise Unknown("$" + name)
            global_read = scope is self.top
            scope = None if qualifier in ("local", "private") else scope.parent
        if key in _EDITION_KEYS:
            if (defined := self.edition_value(key)) is not None:
                return defined[0]
        elif key in _AUTOMATIC:
            raise Unknown("$" + name)
        if global_read:
            names = self.declared(key)
            if names:
                return self.declared_value(name, names)
        if self.strict:
            # PowerShell's "cannot be retrieved because it has not been set".
            raise Unknown("$" + name)
        return None

    def edition_value(self, key: str) -> tuple[Value] | None:
        """What PowerShell itself sets ``$key`` (one of :data:`_EDITION_KEYS`) to in the
        edition running the script: ``$PSEdition`` (``Desktop`` or ``Core``), and in
        PowerShell 7 alone the constants ``$IsWindows``, ``$IsLinux``, ``$IsMacOS`` and
        ``$IsCoreCLR`` (about_Automatic_Variables), as a 1-tuple; None for those 5.1 does not
        define (then read as any other variable). Unknown where the edition is not
        known, or a step variable of the same name had Calamari declare it (over a
        read-only variable: not modelled)."""
        if self.edition is None:
            raise Unknown("$" + key)
        if key != "psedition" and self.edition == "Desktop":
            return None
        if self.declared(key):
            raise Unknown("$" + key)
        if key == "psedition":
            return (self.edition,)
        return (key in ("iscoreclr", _HOST_OS_KEY.get(self.host.os_family)),)

    def calamari_parameters(self) -> bool:
        """Whether ``$OctopusParameters`` is the dictionary Calamari's bootstrap makes (of
        the step's variables, none outside a step); False if the script set its own (read as
        any variable); unknown if a statement not interpreted may have. (A step variable of
        that name changes nothing: the bootstrap declares one only where ``test-path
        variable:global:KEY`` fails, and it made ``$OctopusParameters`` first.)"""
        scope: _Scope | None = self.scope
        while scope is not None:
            if "octopusparameters" in scope.variables:
                return False
            if "octopusparameters" in scope.unknown or scope.every:
                raise Unknown("$OctopusParameters")
            scope = scope.parent
        return True

    def parameters_compared(self, chain: tuple[tuple[str, str], ...]) -> bool:
        """``$OctopusParameters -eq $null`` (``-ne``; either side): Calamari's dictionary is
        no ``$null``. Compared with anything else (PowerShell compares objects) it is not
        modelled."""
        base, _ = _operator(chain[1][0])
        other = chain[1][1] if _PARAMETERS.fullmatch(chain[0][1].strip()) else chain[0][1]
        if base not in ("eq", "ne") or _PARAMETERS.fullmatch(other.strip()) or (
                self.expression(other) is not None):
            raise Unknown(chain[1][0])
        return base == "ne"

    def version_table(self, member: str) -> Value:
        """``$PSVersionTable.<member>``, what the edition decides of it (see
        :func:`._ps_platform._version_table`); unknown where the variable may not be
        PowerShell's own table as it was (a statement not interpreted may have changed it;
        assigning it is PowerShell's error), or Calamari may have declared it for a step
        variable of that name."""
        scope: _Scope | None = self.scope
        while scope is not None:
            if "psversiontable" in scope.variables or "psversiontable" in scope.unknown or (
                    scope.every):
                raise Unknown("$PSVersionTable")
            scope = scope.parent
        if self.declared("psversiontable"):
            raise Unknown("$PSVersionTable")
        return _version_table(member, self.edition, self.host.os_family, self.strict)

    def declared(self, key: str) -> tuple[str, ...]:
        """The step's Octopus variables for which Calamari's bootstrap declared the global
        ``$key`` (casefolded; see :func:`._ps_bootstrap._declarations`), none if it did
        not. Unknown where a variable the simulator does not model may have declared it
        (:data:`_UNMODELLED_KEYS`)."""
        if self.declarations is None:
            self.declarations = _declarations(self.host.octopus_variable_names())
        if key.startswith(_UNMODELLED_KEYS) and (key.startswith("env")
                                                 or key not in self.declarations):
            raise Unknown("$" + key)
        return self.declarations.get(key, ())

    def declared_value(self, name: str, names: tuple[str, ...]) -> Value:
        """What Calamari declared ``$name`` with: ``$OctopusParameters['N']`` (a string,
        the value evaluated), for the Octopus variable N that declared it first; unknown
        where ``names`` disagree (which is first is not known)."""
        values = {self.host.octopus_variable(n) for n in names}
        if len(values) > 1:
            raise Unknown("$" + name)
        return values.pop()

    def env_key(self, name: str) -> str:
        return name.casefold() if self.host.os_family == "Windows" else name

    def getenv(self, name: str) -> str | None:
        if not self.stores["process"].knows(self.env_key(name)):
            raise Unknown("$env:" + name)
        return self.host.getenv(name)

    def setenv(self, name: str, value: str | None) -> None:
        """The script's own ``name`` set (None: removed) by a statement interpreted: known
        from now on."""
        self.stores["process"].learn(self.env_key(name))
        self.host.setenv(name, value)

    def set_stored(self, target: str, name: str, value: str | None) -> None:
        """The machine's or the user's ``name`` set (None: removed) on Windows by a statement
        interpreted: the machine's store changes, and the script knows it from now on; the
        user's is not modelled, so what the script set there is unknown when it reads it
        back."""
        key = self.env_key(name)
        if target == "machine":
            self.host.set_machine_variable(name, value)
            self.stores["machine"].learn(key)
        else:
            self.stores["user"].forget(key)

    def forget_env(self, text: str) -> None:
        """The environment variables uninterpreted ``text`` may set, in any store (see
        :func:`_env_sets`): unknown to the script from now on; in a store where it may set
        one whose name it does not write, every one is."""
        if _LOCATION.search(text):
            # It may have gone to the env: drive, or the registry (it is not interpreted):
            # from now on a relative path may name a variable, or a key of the environment.
            if self.script_root_known():
                # The script's folder: a filesystem path.
                text = _SCRIPT_ROOT.sub("C:", text)
            self.env_location = self.env_location or bool(_ENV_DRIVE.search(text))
            self.registry_location = (self.registry_location
                                      or bool(_REGISTRY_DRIVE.search(text)))
        if _NEW_DRIVE.search(text):
            # A drive onto the environment (or the registry): a path on it, written as any
            # other drive's, may name a variable (or a key of the environment), as after a cd.
            self.env_location = self.env_location or bool(_ENV_PROVIDER.search(text))
            self.registry_location = (self.registry_location
                                      or bool(_REGISTRY_PROVIDER.search(text)))
        for target, name in _env_sets(text):
            self.stores[target].forget(None if name is None else self.env_key(name))
        if self.env_location and _ITEM_WRITER.search(text):
            self.stores["process"].forget(None)
        if any(not self.item_paths_known(text, m) for m in _ITEM_WRITER.finditer(text)):
            # A path in a variable or an expression may be on the env: drive, or the
            # registry key of the machine's or the user's environment: any name, any store.
            for store in self.stores.values():
                store.forget(None)
        if self.registry_location and (_ITEM_WRITER.search(text)
                                       or _PROPERTY_WRITER.search(text)):
            self.stores["machine"].forget(None)
            self.stores["user"].forget(None)

    def item_paths_known(self, text: str, writer: re.Match[str]) -> bool:
        """Whether the item cmdlet ``writer`` found in ``text`` (:data:`_ITEM_WRITER`)
        writes only paths the simulator can place: each argument but a value's (``-Value``,
        Set-Item's, Set-Content's or Add-Content's second positional one, ``-Filter``...)
        written literally, or a variable (or a double-quoted text of variables) the
        simulator knows, holding a text that names neither the ``env:`` drive, the registry
        nor a provider (``Environment::X``). A literal ``env:`` path, or the environment's
        registry key, is read by :func:`_env_sets`. An item cmdlet that takes its paths
        from a pipeline (``$p | Remove-Item``) writes paths not known."""
        if text[: writer.start()].rstrip().endswith("|"):
            return self.listed_files(text[: writer.start()])
        rest = text[writer.end() :]
        end = next((i for i in top_level(rest, escape="`", single_doubles=True)
                    if rest[i] in ";\n|"), len(rest))
        second_is_value = writer.group().casefold() in _SETS_A_VALUE
        positional = 0
        skip_value = False
        for written in _array_arguments(_words(rest[:end].strip())):
            word = written if written[0] in "'\"(" else _BLOCK_END.split(written, 1)[0]
            if not word:
                break  # the end of a block or bracket holding the command
            if skip_value:
                skip_value = False
                continue
            if word[0] in _PS_DASH and len(word) > 1 and not _NUMBER.match(word):
                name, colon, value = word[1:].partition(":")
                if _not_a_path(name.casefold()):
                    skip_value = not colon
                elif colon and value and not self.path_known(value):
                    return False
                continue
            if not (second_is_value and positional == 1) and not self.path_known(word):
                return False
            positional += 1
            if word != written:
                break
        return True

    def path_known(self, word: str) -> bool:
        """Whether the path argument ``word`` is written literally (an ``env:`` path too,
        which :func:`_env_sets` reads) or evaluates to a text naming neither the ``env:``
        drive, the registry nor a provider (see :meth:`item_paths_known`)."""
        literal = _path_literal(word)
        if literal is not None:
            return not _PROVIDER_PATH.search(literal)
        if self.filesystem(word):
            return True
        value = self.path_value(word)
        return (value is not None and not _PROVIDER_PATH.search(value)
                and not _DRIVE_PATH.match(value))

    def filesystem(self, word: str) -> bool:
        """Whether the argument ``word`` is a path that cannot name the ``env:`` drive, the
        registry or a provider (Calamari runs scripts on a filesystem): a literal or a known
        value naming no drive but a letter's (``C:\\x``, ``logs``; a relative path is the
        location's, which :meth:`forget_env` follows); ``$PSScriptRoot``, the script's folder,
        or a text starting with it and a separator; ``(Join-Path ...)`` of such pieces."""
        literal = _path_literal(word)
        if literal is not None:
            return _filesystem_text(literal)
        if _SCRIPT_ROOT_WORD.fullmatch(word):
            return self.script_root_known()
        m = _JOIN_PATH.fullmatch(word)
        if m is not None and self.function("join-path") is None:
            words = _words(m.group(1))
            return bool(words) and all(
                (w[0] in _PS_DASH and len(w) > 1 and ":" not in w
                 and any(p.startswith(w[1:].casefold()) for p in _JOIN_PATH_PARAMETERS))
                or (w[0] not in _PS_DASH and self.filesystem(w)) for w in words)
        value = self.path_value(word)
        return value is not None and _filesystem_text(value)

    def path_value(self, word: str) -> str | None:
        """The text the path argument ``word`` holds when it is a variable a path is read
        from (:data:`_PATH_VARIABLES`) and its value is known text; else None."""
        if not _PATH_VARIABLES.fullmatch(word):
            return None
        try:
            value = self.word(word)
        except Unknown:
            return None
        return value if isinstance(value, str) else None

    def script_root_known(self) -> bool:
        """Whether ``$PSScriptRoot`` is still the script's folder: never set by the script
        (nor forgotten, as a skipped statement may have set it)."""
        scope: _Scope | None = self.scope
        while scope is not None:
            if "psscriptroot" in scope.variables or "psscriptroot" in scope.unknown or (
                    scope.every):
                return False
            scope = scope.parent
        return True

    def listed_files(self, before: str) -> bool:
        """Whether the items piped to an item cmdlet (``before`` it, to its ``|``) are
        ``Get-ChildItem`` (``gci``, ``ls``, ``dir``) of filesystem paths (see
        :meth:`filesystem`), maybe filtered by ``Where-Object { ... }``: files and folders,
        bound by their ``PSPath``."""
        m = _LISTED.search(before)
        if m is None or self.function(m.group("cmd").casefold()) is not None:
            return False
        positional, expect = 0, "path"
        for word in _words(m.group("args").strip()):
            if expect == "value":
                expect = "path"
                continue
            if expect == "path!":
                if not self.filesystem(word):
                    return False
                expect = "path"
                continue
            if word[0] in _PS_DASH and len(word) > 1:
                name, colon, value = word[1:].casefold().partition(":")
                if len(name) < 2:
                    return False
                if "path".startswith(name) or "literalpath".startswith(name):
                    if colon and not self.filesystem(value):
                        return False
                    expect = "path" if colon else "path!"
                elif any(p.startswith(name) for p in _LISTING_VALUES):
                    expect = "path" if colon else "value"
                elif not any(p.startswith(name) for p in _LISTING_SWITCHES):
                    return False
                continue
            if positional == 0 and not self.filesystem(word):
                return False
            positional += 1
            if positional > 2:  # -Path, then -Filter
                return False
        return expect == "path"

    def sleep_seconds(self, args: Sequence[str]) -> float | None:
        """``Start-Sleep [-Seconds] N`` / ``-Milliseconds N`` (prefixes ``-s``, ``-m``). A
        value outside the parameter's range is PowerShell's validation error (see
        :meth:`error`), and no sleep."""
        scale, i, seconds, written = 1.0, 0, 0.0, "0"
        while i < len(args):
            arg = args[i].casefold()
            if arg.startswith("-") and not _NUMBER.match(arg):
                scale = 0.001 if "-milliseconds".startswith(arg) and arg != "-" else 1.0
                if not ("-seconds".startswith(arg) or "-milliseconds".startswith(arg)):
                    raise Unknown(arg)  # -Duration (a TimeSpan) is not evaluated
            else:
                seconds, written = self.number(args[i]) * scale, args[i]
            i += 1
        # [ValidateRange(0, int.MaxValue / 1000)] on -Seconds, (0, int.MaxValue) on
        # -Milliseconds: the same bound, in seconds.
        parameter, largest, limit = (("Milliseconds", _INT32_MAX, _INT32_MAX / 1000)
                                     if scale != 1.0 else
                                     ("Seconds", _INT32_MAX // 1000, _INT32_MAX // 1000))
        if not 0 <= seconds <= limit:  # NaN fails both comparisons
            problem = ("is less than the minimum allowed range of 0. Supply an argument that "
                       "is greater than or equal to 0" if seconds < 0 else
                       f"is greater than the maximum allowed range of {largest}. Supply an "
                       f"argument that is less than or equal to {largest}")
            self.error(f"Cannot validate argument on parameter '{parameter}'. The {written} "
                       f"argument {problem} and then try the command again.", exception=(
                           "System.Management.Automation.ParameterBindingValidationException"))
            return None
        return seconds

    def set_output(self, args: Sequence[str]) -> None:
        """``Set-OctopusVariable [-name] N [-value] V [-sensitive]`` (parameter names may be
        shortened, as PowerShell allows)."""
        named: dict[str, str] = {}
        positional: list[str] = []
        sensitive = False
        i = 0
        while i < len(args):
            folded = args[i].casefold()
            if folded.startswith("-") and len(folded) > 1 and not _NUMBER.match(folded):
                key = folded[1:].rstrip(":")
                if "sensitive".startswith(key):
                    sensitive = True
                    i += 1
                    continue
                if i + 1 >= len(args) or not ("name".startswith(key) or "value".startswith(key)):
                    raise Unknown(args[i])
                named["name" if "name".startswith(key) else "value"] = _text(
                    self.word(args[i + 1]))
                i += 2
                continue
            positional.append(_text(self.word(args[i])))
            i += 1
        name = named.get("name") or (positional.pop(0) if positional else None)
        value = named.get("value", positional.pop(0) if positional else None)
        if not name or value is None:
            raise Unknown("Set-OctopusVariable")
        self.host.set_output(name, value, sensitive)

    def setx(self, args: Sequence[str]) -> None:
        machine = any(a.casefold() == "/m" for a in args)
        # A native program gets the text as written (00 stays 00), unless it is an expression.
        rest = [_text(self.word(a)) if a[0] in "'\"$(" else a
                for a in args if a.casefold() != "/m"]
        if len(rest) != 2:
            raise Unknown("setx")
        if self.host.os_family != "Windows":
            raise Unknown("setx")  # no such program on Linux: not interpreted
        self.set_stored("machine" if machine else "user", rest[0], rest[1])
        self.host.write("SUCCESS: Specified value was saved.")

    # -- words and expressions ----------------------------------------------------------------
    def format_arguments(self, text: str) -> tuple[Scalar, ...]:
        """The arguments ``-f`` formats: an array's items, or one value. An array among
        several arguments would be written as its type name (``System.Object[]``): not
        modelled, so unknown (the arrays here are flat)."""
        items = _array_items(text)
        if len(items) == 1:
            value = self.expression(text)
            return value if isinstance(value, tuple) else (value,)
        return self.array(items)

    def array(self, items: Sequence[str]) -> tuple[Scalar, ...]:
        """``a, b, ...``: each item's value, ``$null`` too. An item that is an array makes an
        array of arrays (``$a, 3``, ``@(1, @(2, 3))``: two items), which the simulator does
        not model (its arrays are flat): unknown; so is ``-not`` before a comma (``-not $a,
        1``: PowerShell's grammar applies it to ``$a``, its precedence table to the array)."""
        if any(_NEGATION.match(item.strip()) for item in items[:-1]):
            raise Unknown(", ".join(items))
        values = [self.term(item) for item in items]
        scalars = tuple(value for value in values if not isinstance(value, tuple))
        if len(scalars) < len(values):
            raise Unknown(", ".join(items))
        if None in scalars and any(value is None and self.automation_null(item) is not None
                                   for item, value in zip(items, values, strict=True)):
            # An AutomationNull item: Windows PowerShell stops sending the array's items at
            # the second, PowerShell 7.3 skips each; $x, 1 holds it as an item too.
            raise Unknown(", ".join(items))
        return scalars

    def keyword_value(self, text: str) -> Value:
        """The value after ``exit`` or ``throw``: PowerShell reads it in expression mode
        (``throw 'Failed: ' + $x`` is one string); a bare word as a command's argument."""
        if text[0] in "'\"$([@" or _unary_minus(text) or _NUMBER.match(text.split()[0]):
            return self.expression(text)
        return self.word(text)

    def printed(self, args: Sequence[str]) -> list[str]:
        """The values ``throw``/``Fail-Step`` print, parameters left out."""
        return [_text(self.word(arg)) for arg in args
                if not (arg.startswith("-") and not _NUMBER.match(arg))]

    def write_args(self, name: str, args: Sequence[str]) -> tuple[list[Value], dict[str, Value]]:
        """A Write-* command's arguments bound as PowerShell binds them: the values it prints
        (positional, or ``-Object``/``-Message``) and its other named parameters' values (a
        switch's True, or its ``-Name:value``). A parameter it does not have (or an
        ambiguous prefix), or one given twice, is unknown."""
        spec = _WRITE_SPECS[name]
        values: list[Value] = []
        named: dict[str, Value] = {}
        args = _array_arguments(args)
        i = 0
        while i < len(args):
            arg = args[i]
            if len(arg) < 2 or arg[0] != "-" or _NUMBER.match(arg):
                values.append(self.word(arg))
                i += 1
                continue
            raw, colon, inline = arg[1:].partition(":")
            param = _ps_resolve(spec, raw)
            if param is None:
                raise Unknown(arg)  # PowerShell: "A parameter cannot be found ..."
            if param in spec.switches or param in _PS_COMMON_SWITCHES:
                if param in named:
                    raise Unknown(arg)  # PowerShell refuses a parameter given twice
                named[param] = self.word(inline) if colon and inline else True
                i += 1
                continue
            if colon and inline:
                text, i = inline, i + 1
            elif i + 1 < len(args):
                text, i = args[i + 1], i + 2
            else:
                raise Unknown(arg)  # a missing value: PowerShell refuses the command
            value = self.word(text)
            if param in _PRINTED_PARAMS:
                values.append(value)
            elif param in named:
                raise Unknown(arg)  # PowerShell refuses a parameter given twice
            else:
                named[param] = value
        if name not in ("write-host", "write-output", "echo", "write") and len(values) > 1:
            raise Unknown(name)  # one -Message: "A positional parameter cannot be found"
        return values, named

    def word(self, arg: str) -> Value:
        """A command argument: an expression, or a bare word taken literally. Operators do
        not work there: ``Write-Host $a+1`` prints ``5+1`` (an expandable string, in
        argument mode), so an argument holding one outside brackets is unknown."""
        if arg[0] == "[":
            # Argument mode reads an expression only from $, @, ', " or ( (about_Parsing):
            # [int]'5' is the text [int]5, [math]::pi the text [math]::pi; where such a text
            # ends (at a `(`, a `,`) is not modelled.
            raise Unknown(arg)
        if arg[0] in "'\"$(@" or _NUMBER.match(arg) or _numbers_first(arg):
            if _quoted(arg) is None and any(_has_operator(item) for item in _array_items(arg)):
                raise Unknown(arg)
            return self.expression(arg)
        if "," in arg:
            raise Unknown(arg)  # an array of bare words
        if _NUMERIC_LITERAL.fullmatch(arg):
            raise Unknown(arg)  # a number PowerShell reads (1e3 is 1000): not modelled
        return _bare_word(arg) if "`" in arg else _literal_part(arg)

    def exit_code(self, arg: str) -> int | None:
        """``exit N``'s code: ``N`` as .NET converts it to an Int32 (rounded half to even, as
        Python's round); anything else is PowerShell's conversion error (see :meth:`error`)
        and no exit."""
        digits = arg.strip().lstrip("+-")
        # A run of digits too long to be read as a number is too large for an Int32 anyway.
        number = (math.inf if _INTEGER.fullmatch(digits) and len(digits) > 10
                  else self.number(arg, keyword=True))
        if math.isfinite(number) and -(2**31) <= round(number) < 2**31:
            return round(number)
        self.error(f'Cannot convert value "{arg}" to type "System.Int32". Error: "Value was '
                   'either too large or too small for an Int32."')
        return None

    def number(self, arg: str, keyword: bool = False) -> float:
        """``arg`` as a number: a command's argument, or (``keyword``: ``exit``'s) an
        expression, operators and all."""
        if _DOUBLE_TEXT.fullmatch(arg):
            # A decimal number (1e400 too): read as PowerShell's literal or as its text
            # converted, the same number (see _NUMERIC_LITERAL)
            return float(arg)
        value = self.keyword_value(arg) if keyword else self.word(arg)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)  # not through its text: a double's may be unknown
        text = _text(value)
        if not _DOUBLE_TEXT.fullmatch(text):
            raise Unknown(arg)  # not a number .NET reads as Python does ('٣', '1_0', 'inf')
        return float(text)

    def expression(self, text: str) -> Value:
        text = text.strip()
        if (m := _VARIABLE.fullmatch(text)) is not None:
            return self.read_variable(m.group(1))  # the commonest value: no splitting
        if self.defined and (function := self.invoked(text)) is not None:
            return self.call_value(text, function)  # command mode: the rest are its arguments
        splits = _splits(text)
        if len(splits.chain) > 1:  # -eq, -replace, -split, -join bind looser than + and -f
            return self.chained(splits.chain)
        if len(splits.additive) > 1:
            value = self.product(splits.additive[0][1])
            for op, operand in splits.additive[1:]:
                right = self.product(operand)
                if right is None:
                    self.appendable(value, right, operand)
                value = self.charged(_binary(op, value, right))
            return value
        if len(splits.multiplicative) > 1:
            return self.product(text)
        if len(splits.formats) > 1:
            return self.term(text)  # 'x{0}' -f 'a', 'b': the comma binds tighter than -f
        if len(splits.items) > 1:  # 'a', 'b': an array (the comma binds tighter than + and -join)
            return self.array(_operands(splits.items))
        return self.term(text)

    def chained(self, chain: tuple[tuple[str, str], ...]) -> Value:
        """Operands around the operators of comparison precedence (:data:`_CHAIN`), applied
        from the left as PowerShell applies them: ``$path -split ';' -contains $dir`` splits,
        then compares. A comparison's result as the next operator's operand (``$a -eq 1
        -eq $b``, ``$a -eq 1 -join ','``) is not modelled. ``[Environment]::OSVersion.Platform``,
        a .NET enum, is compared only with ``-eq``/``-ne`` (:func:`._ps_platform._platform_is`)."""
        if len(chain) == 2 and any(_PARAMETERS.fullmatch(text.strip()) for _, text in chain) and (
                self.calamari_parameters()):
            return self.parameters_compared(chain)
        if _OS_PLATFORM.fullmatch(chain[0][1].strip()):
            base, sensitive = _operator(chain[1][0])
            if len(chain) != 2 or base not in ("eq", "ne") or sensitive:
                raise Unknown(chain[1][0])
            return _platform_is(self.host.os_family,
                                self.expression(chain[1][1])) != (base == "ne")
        value = self.expression(chain[0][1])
        for i, (written, text) in enumerate(chain[1:], 2):
            base, sensitive = _operator(written)
            right = self.expression(text)
            if base == "join":
                value = self.join_value(value, _text(right))
            elif base in ("replace", "split"):
                self.weighed(value)
                value = self.charged(
                    _replaced(value, right, sensitive, self.step) if base == "replace"
                    else _split(value, right, sensitive, self.step))
            elif i < len(chain):
                raise Unknown(written)  # a comparison's result compared again: not modelled
            else:
                value = self.compare(base, sensitive, value, right)
        return value

    def join_value(self, items: Value, separator: str) -> str:
        """``items -join separator`` (unary ``-join``: no separator): an array's items'
        texts joined, one value's text, '' for ``$null``."""
        if isinstance(items, tuple):
            return self.charged(self.joined(separator, items))
        return "" if items is None else _text(items)

    def product(self, text: str) -> Value:
        """Operands around ``*``, ``/``, ``%`` (they bind tighter than ``+`` and ``-``), from
        the left; a single one is a :meth:`term`."""
        factors = _splits(text.strip()).multiplicative
        value = self.term(factors[0][1])
        for op, operand in factors[1:]:
            value = self.charged(_binary(op, value, self.term(operand)))
        return value

    def term(self, text: str) -> Value:
        text = text.strip()
        if (m := _VARIABLE.fullmatch(text)) is not None:
            return self.read_variable(m.group(1))  # the commonest term: tried first
        if not text:
            raise Unknown(text)
        quoted = _quoted(text)
        if quoted == "'":
            return text[1:-1].replace("''", "'")
        if quoted == '"':
            return self.expand(text[1:-1])
        if quoted in ("@'", '@"'):
            body = text[text.index("\n") + 1 : text.rindex("\n")].removesuffix("\r")
            return body if quoted == "@'" else self.expand(body)
        if text[0] == "(" and _closing(text, 0) == len(text) - 1:
            return self.expression(text[1:-1])
        formats = _operands(_splits(text).formats)
        if len(formats) == 2:
            template = self.term(formats[0])
            if isinstance(template, str):  # one more statement per 10 braces, before the work
                self.step((template.count("{") + template.count("}")) // 10)
            return self.charged(_formatted(template, self.format_arguments(formats[1])))
        if len(formats) > 2:
            raise Unknown(text)  # -f applied again to a result: not modelled
        if ".." in text and _expression_mode(text):
            ends = split_top(text, _RANGE, escape="`", single_doubles=True)
            if len(ends) == 2:
                return self.charged(_range(self.term(ends[0]), self.term(ends[1])))
        negated = _NEGATION.match(text)
        if negated:  # before members: -not $s.Length is -not ($s.Length)
            return self.negation(text[negated.end() :])
        if _unary_minus(text):
            return _negated(self.term(text[1:]))
        m = _GET_SERVICE.match(text)
        if m:  # its services collected as a pipeline's output: one is itself, none $null
            return _collected(self.get_service(_words(m.group("args"))))
        if _NUMBER.match(text) and len(text) < 20:  # longer: beyond Int64 and Double's digits
            return float(text) if "." in text else _integer(text)
        m = _ENV_VARIABLE.fullmatch(text)
        if m:
            return self.getenv(m.group(1) or m.group(2))
        m = _OCTOPUS_PARAMETER.fullmatch(text)
        if m and not (m.group(1) == '"' and ("$" in m.group(2) or "`" in m.group(2))):
            # (a key in double quotes that expands something is read below)
            if m.group(2)[:4].casefold() == "env:":
                # Calamari's own, one for each environment variable (VariablesFactory.
                # AddEnvironmentVariables): not among the step's the host models
                raise Unknown(text)
            return self.host.octopus_variable(m.group(2))
        m = _PARAMETERS_INDEXED.match(text)
        if m and _closing(text, m.start(1)) == len(text) - 1 and self.calamari_parameters():
            key = self.expression(text[m.end(1) : -1])
            if (not isinstance(key, str) or isinstance(key, _Service)
                    or key[:4].casefold() == "env:"):
                raise Unknown(text)  # $null, a number, an array; Calamari's env: (above)
            return self.host.octopus_variable(key)
        m = _SCOPED_VARIABLE.fullmatch(text)
        if m:
            return self.read_variable(m.group(2), m.group(1))
        if _ERROR_MESSAGE.fullmatch(text) and self.caught and (error := self.caught[-1]):
            return error.message
        m = _INDEXED.fullmatch(text)
        if m:
            return self.indexed(self.read_variable(m.group(1)), _integer(m.group(2)))
        if text.startswith("@(") and _closing(text, 1) == len(text) - 1:
            inner = text[2:-1].strip()  # @(...): always an array
            return self.enumerated(inner) if inner else ()
        m = _UNARY_TEXT.match(text)
        if m:  # -split 'a b', -join $a: looser than members (-split $a.Length splits 5)
            value = self.term(text[m.end() :])
            if m.group(1).casefold() == "join":
                return self.join_value(value, "")
            self.weighed(value)
            pieces = _split_words(value)
            self.step(len(pieces) // _MATCHES)
            return self.charged(pieces)
        m = _VERSION_TABLE_MEMBER.fullmatch(text)
        if m:
            return self.version_table(m.group(1))
        m = _TABLE_ENTRY.fullmatch(text)
        if m and self.table(m.group("var")) is not None:
            return self.table_entry(m)
        m = _CAST.match(text)
        if m and (kind := _CAST_TYPES.get(m.group("type").casefold())):
            # a cast binds looser than member access and indexing: [int]$s.Length
            return _cast(self.term(text[m.end() :]), kind)
        postfix = _postfix(text)
        if postfix is not None:
            return self.member(*postfix)
        m = _TARGET.match(text)
        if m:
            return m.group(1)
        m = _DOTNET_ENV.match(text)
        if m and _closing(text, m.start("args") - 1) == len(text) - 1:
            return self.dotnet(m.group("method").casefold(), m.group("args"))
        m = _REGEX_ESCAPE.match(text)
        if m and _closing(text, m.end() - 1) == len(text) - 1:
            value = self.expression(text[m.end() : -1])
            self.weighed(value)
            return self.charged(_regex_escape(value))
        m = _STATIC_CALL.match(text)
        if m and _closing(text, m.end() - 1) == len(text) - 1:
            return self.static_call(m.group("type").casefold(), m.group("method").casefold(),
                                    text[m.end() : -1])
        raise Unknown(text)

    def static_call(self, type_name: str, method: str, raw_args: str) -> Value:
        """``[string]::IsNullOrEmpty(x)`` and ``IsNullOrWhiteSpace`` (:func:`_is_null_or`),
        ``[bool]::Parse(s)`` (``[Boolean]``) and ``[Convert]::ToBoolean(x)``: of a string,
        .NET's ``Boolean.Parse`` (:func:`_parsed_bool`), whose FormatException is a
        statement-terminating error (:meth:`method_error`); ``ToBoolean`` of ``$null`` is
        false, of a boolean itself, of a number whether it is not 0. Other methods, and
        other arguments (``$null`` to ``Parse``: ArgumentNullException; a character to
        ``ToBoolean``: InvalidCastException) are not modelled."""
        args = [self.expression(a) for a in _array_items(raw_args)] if raw_args.strip() else []
        if len(args) != 1:
            raise Unknown(raw_args)
        value = args[0]
        if type_name == "string" and method in ("isnullorempty", "isnullorwhitespace"):
            return _is_null_or(value, method == "isnullorwhitespace")
        if type_name == "convert" and method == "toboolean":
            if value is None or isinstance(value, bool):
                return bool(value)
            if isinstance(value, int | float):
                return value != 0
            name = "ToBoolean"
        elif type_name in ("bool", "boolean") and method == "parse":
            name = "Parse"
        else:
            raise Unknown(method)
        if not isinstance(value, str) or (name == "ToBoolean" and isinstance(value, _Char)):
            raise Unknown(repr(value))
        self.weighed(value)
        parsed = _parsed_bool(value)
        if parsed is None:
            self.method_error(name, value)
        return parsed

    def negation(self, operand: str) -> bool:
        """``-not x``/``!x``: a unary operator, binding tighter than the binary ones (``-not
        $a + 1`` is ``(-not $a) + 1``), its operand a condition's (``-not (Test-Path
        env:X)``). An operand holding a binary operator is not modelled: ``-not $a -and $b``
        as a value (a condition splits ``-and`` first; see :meth:`array` for the comma)."""
        if any(len(level) > 1 for level in _splits(operand.strip())):
            raise Unknown(operand)
        return not self.condition(operand)

    def member(self, receiver: str, name: str, args: str | None) -> Value:
        """``receiver.Name`` (``args`` None), ``receiver.Name(args)`` or ``receiver[args]``
        (``name`` '['): a value's ``Length``/``Count``, a service's ``Name`` (:func:`_named`),
        any property of ``$null`` (``$null``; under Set-StrictMode unknown), one of the
        string methods of :func:`_method` (any method of ``$null``: PowerShell's error), or
        an item (an Int32 index)."""
        self.postfixes += 1
        try:
            if self.postfixes > _MAX_POSTFIX:
                raise Unknown(receiver)  # chained too far: each reads the text again
            value = self.term(receiver)
        finally:
            self.postfixes -= 1
        key = name.casefold()
        if key == "[":
            index = self.expression(args or "")
            if not isinstance(index, int) or isinstance(index, bool):
                raise Unknown(repr(index))  # a slice, a key, a conversion: not modelled
            return self.indexed(value, index)
        if args is None:
            if key == "name":
                return self.charged(_named(value, self.strict))
            if value is None and key not in ("length", "count"):
                if self.strict:
                    raise Unknown(name)  # PowerShell's PropertyNotFoundStrict: not modelled
                return None  # no such property: $null, as Set-StrictMode -Off documents
            if key not in ("length", "count"):
                raise Unknown(name)  # other properties: not modelled
            self.charged(value)  # counting it is work too
            if self.strict and (not isinstance(value, str | tuple) or isinstance(value, _Service)
                                or (key == "count" and isinstance(value, str))):
                raise Unknown(name)  # PowerShell 5.1 under Set-StrictMode: no such property
            return _size(value, key)
        if value is None:
            self.statement_error("You cannot call a method on a null-valued expression.")
        arguments = tuple(self.expression(arg) for arg in _array_items(args)) if (
            args.strip()) else ()
        self.weighed(value)
        result = self.charged(_method(value, name, arguments))
        if isinstance(result, tuple):
            self.step(len(result) // _MATCHES)  # .Split's pieces, as -split's
        return result

    def indexed(self, value: Value, index: int) -> Value:
        """``value[index]`` (:func:`_indexed`); indexing ``$null`` is PowerShell's
        statement-terminating error, with or without Set-StrictMode."""
        if value is None:
            self.statement_error("Cannot index into a null array.")
        return _indexed(value, index, self.strict)

    def get_service(self, args: Sequence[str]) -> tuple[_Service, ...]:
        """``Get-Service [-Name] P [-ErrorAction A]``: the Tentacle services ``P`` matches.

        A literal name that matches nothing is a non-terminating error (see :meth:`error`:
        Calamari's ``Stop`` preference makes it end the script)."""
        pattern: str | None = None
        action: Value = None
        i = 0
        while i < len(args):
            folded = args[i].casefold()
            if folded in ("-ea", "-erroraction"):
                if i + 1 >= len(args):
                    raise Unknown(args[i])
                action = self.word(args[i + 1])
                i += 2
            elif folded.startswith("-") and "-name".startswith(folded):
                i += 1
            elif folded.startswith("-") or pattern is not None:
                raise Unknown(args[i])  # another parameter, or a list of names
            else:
                pattern = _text(self.word(args[i]))
                i += 1
        if pattern is None:
            raise Unknown("Get-Service")
        try:
            found = tuple(_Service(n) for n in self.host.service_names()
                          if wildcard_match(pattern, n))
        except ValueError:
            raise Unknown(pattern) from None
        if not found and not _WILDCARD & set(pattern):
            message = f"Cannot find any service with service name '{pattern}'."
            self.error(f"Get-Service : {message}", action, message=message,
                       exception="Microsoft.PowerShell.Commands.ServiceCommandException")
        return found

    def expand(self, inner: str) -> str:
        """A double-quoted string's text: backtick escapes, ``$env:X``, ``$x``, ``$(...)``."""
        out: list[str] = []
        i = length = 0
        while i < len(inner):
            m = _IN_STRING.search(inner, i)
            if m is None:
                out.append(inner[i:])
                break
            out.append(inner[i : m.start()])
            if m.group(1) is not None:
                text, i = self.escaped(inner, m.start(1))
                out.append(text)
            elif m.group(0) == "$(":
                close = _closing(inner, m.end() - 1)
                value = self.expression(inner[m.end() : close])
                out.append(self.text(value))
                i = close + 1
            else:
                env = m.group(2) or m.group(3)
                after = inner[m.end() : m.end() + 2]
                if m.group(6) and after[:1] == ":" and after != "::":
                    # "$x:8080" reads ${x:8080}, an item of the drive x: (a colon followed by
                    # no name is a parse error, see _ps_refuse._invalid_drive_reference)
                    raise Unknown(m.group(0) + ":")
                value = (self.getenv(env) if env else self.braced(m.group(4)) if m.group(4)
                         else self.read_variable(m.group(6), m.group(5) or ""))
                out.append(self.text(value))
                i = m.end()
            length += len(out[-1])
            if length > _MAX_LENGTH:  # decided before the text is built
                raise Unknown(f"a string of more than {_MAX_LENGTH:,} characters")
        return self.charged(_bounded("".join(out)))

    def escaped(self, inner: str, i: int) -> tuple[str, int]:
        """The backtick escape whose character is ``inner[i]`` in a double-quoted string:
        its text, and the index after it. `` `e `` (escape) and `` `u{X} `` (the code point
        X) are PowerShell 7's (about_Special_Characters): Windows PowerShell reads ``e``
        and ``u``; unknown where the edition is, and for a code point 7 refuses."""
        c = inner[i]
        if c not in "eu" or self.edition == "Desktop":
            return _PS_ESCAPES.get(c, c), i + 1
        if self.edition is None:
            raise Unknown("`" + c)
        if c == "e":
            return "\x1b", i + 1
        m = _CODE_POINT.match(inner, i)
        point = -1 if m is None else int(m.group(1), 16)
        if m is None or point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
            raise Unknown("`u")  # 7's parse error, or a lone surrogate
        return chr(point), m.end()

    def braced(self, name: str) -> Value:
        """``${name}``: a variable whose name may hold any character, or ``${script:x}``;
        another drive's item (``${C:\\file}``) is unknown."""
        qualifier, colon, rest = name.partition(":")
        if not colon:
            return self.read_variable(name)
        if qualifier.casefold() not in ("global", "script", "local", "private", "variable"):
            raise Unknown(name)
        return self.read_variable(rest, qualifier)

    def dotnet(self, method: str, raw_args: str) -> Value:
        args = [self.expression(a) for a in _array_items(raw_args)]
        target = "process"
        if method == "getenvironmentvariable" and len(args) == 2:
            target = _target(args[1])
        elif method == "setenvironmentvariable" and len(args) == 3:
            target = _target(args[2])
        elif len(args) != (1 if method == "getenvironmentvariable" else 2):
            raise Unknown(raw_args)
        name = _text(args[0])
        windows = self.host.os_family == "Windows"
        if method == "getenvironmentvariable":
            if target == "process":
                return self.getenv(name)
            if not windows:
                return None  # .NET on Unix keeps no machine or user environment
            if not self.stores[target].knows(self.env_key(name)):
                raise Unknown(name)  # a skipped statement may have set it
            return self.host.machine_value(name) if target == "machine" else None
        value = None if args[1] is None or args[1] == "" else _text(args[1])
        if target == "process":
            self.setenv(name, value)
        elif windows:
            self.set_stored(target, name, value)
        return None  # .NET on Unix ignores Machine/User sets

    def condition(self, text: str) -> bool:
        text = text.strip()
        if self.defined and (function := self.invoked(text)) is not None:
            return _truthy(self.call_value(text, function))
        splits = _splits(text)
        if len(splits.ors) > 1:
            return any(self.condition(part) for part in _operands(splits.ors))
        if len(splits.ands) > 1:
            return all(self.condition(part) for part in _operands(splits.ands))
        # A comparison before -not: -not binds to its operand, `-not $x -eq 'b'` is
        # `(-not $x) -eq 'b'` (each operand is a term, where -not is read: negation()).
        if len(splits.chain) > 1:
            return _truthy(self.chained(splits.chain))
        if text.startswith("(") and _closing(text, 0) == len(text) - 1:
            return self.condition(text[1:-1])
        m = _TEST_PATH_ENV.match(text)
        if m:
            return self.getenv(m.group("name")) is not None
        if _PARAMETERS.fullmatch(text) and self.calamari_parameters():
            return True  # a dictionary: an object, no list
        return _truthy(self.expression(text))

    def compare(self, base: str, sensitive: bool, left: Value, right: Value) -> Value:
        """``left -base right`` (``sensitive``: its ``c`` form) as PowerShell compares (the
        left operand's type decides); what this cannot do exactly is unknown."""
        if base in ("match", "notmatch"):
            self.forget("matches")  # -match sets $Matches: not modelled
        if base in ("contains", "notcontains", "in", "notin"):
            collection, item = (left, right) if base in ("contains", "notcontains") else (
                right, left)
            if isinstance(item, tuple):
                raise Unknown(base)  # an array as the item: compared by reference
            self.step(len(_items(collection)) // _COMPARED)
            found = any(_equal(element, item, sensitive) for element in _items(collection))
            return found != base.startswith("not")
        if isinstance(left, tuple):
            # An array on the left filters, one item or more: the items for which the
            # comparison holds (@('a') -eq 'a' is @('a'), @('') -eq '' a false @('')).
            self.step(len(left) // _COMPARED)
            return tuple(x for x in left if _truthy(self.compare(base, sensitive, x, right)))
        if isinstance(right, tuple):
            raise Unknown(base)  # an array on the right: compared as its text, not modelled
        if base in ("eq", "ne"):
            return _equal(left, right, sensitive) != (base == "ne")
        if base in ("like", "notlike", "match", "notmatch"):
            return _pattern_match(base, left, right, sensitive) != base.startswith("not")
        return _order(base, left, right, sensitive)


def _handler(catches: Sequence[tuple[tuple[str, ...], str]], error: _Thrown) -> str | None:
    """The body of the ``catch`` that handles ``error``, or None: as PowerShell looks, the
    first clause naming a type of the error's first exception (or a base class of it), then
    of its next, then the clause without a type."""
    for exception in error.exceptions:
        ancestry: set[str] = set()
        current: str | None = exception
        while current is not None:
            ancestry.add(current)
            current = _EXCEPTION_BASE.get(current)
        for types, body in catches:
            if ancestry.intersection(types):
                return body
    return next((body for types, body in catches if not types), None)


def _stage(text: str) -> tuple[str, str] | None:
    """A pipeline stage the simulator runs (:meth:`_Shell.piped_through`): ``("where",
    condition)`` for ``Where-Object`` with a block of one expression (not a command, an
    assignment or more than one statement), ``("first", N)`` for ``Select-Object -First
    N``; None for any other."""
    m = _FIRST_STAGE.fullmatch(text)
    if m is not None:
        return "first", m.group("count")
    m = _WHERE_STAGE.match(text)
    if m is None:
        return None
    close = _closing(text, m.end())
    statements = _statements(text[m.end() + 1 : close])
    if (text[close + 1 :].strip() or len(statements) != 1
            or _parse(statements[0]).kind != "value" or _VOID_CAST.match(statements[0])):
        return None
    return "where", statements[0]
