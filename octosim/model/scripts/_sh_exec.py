"""Running a Bash script: the commands step scripts use, in order, in virtual time.

Interpreted:

* ``sleep``; ``true``/``false``/``:``; ``X=v`` and ``X+=v`` (appended), made left to right,
  each expanded just before it is made (``x=1 y=$x``: y is 1) and after the command's other
  words; indexed arrays (below);
  ``export``, ``unset`` (``-f``,
  ``-v``), ``readonly``, ``local``/``declare``/``typeset`` with ``-r``/``-x``, ``declare
  -u``/``-l`` outside a function (each value assigned then changed to that case, as
  ``${X^^}``/``${X,,}`` change it: :meth:`_Shell.case_declaration`), ``declare -i``
  outside a function (each value assigned then evaluated as arithmetic, ``+=`` adding:
  :meth:`_Shell.integer_declaration`; any other
  option: the names and what is assigned to them after are not known; assigning a
  read-only variable is Bash's error, which abandons the command Bash was reading: nothing
  after is followed); Octopus's ``fail_step``, ``set_octopusvariable``,
  ``get_octopusvariable`` (as Calamari's Bootstrap.sh defines it: the value as it is, or a
  newline; it sets ``INPUT``); ``sudo`` in front of any of these.
* Bash's own variables (:mod:`~._sh_variables`): ``UID``/``EUID`` (root's, read-only),
  ``OPTIND``, ``OPTERR``, ``TERM`` (``dumb`` unless the environment sets it), ``FUNCNAME``;
  the others Bash sets (``BASH_VERSION``, ``LINENO``, ``PWD``...) are set and not empty,
  their values not known: ``[ -n "$X" ]``, ``[ -z "$X" ]``, ``[ "$X" ]`` (``test``, ``[[ ]]``)
  and ``${X:+word}``, ``${X+word}`` on them are known.
* ``echo``/``printf`` (``%s``, ``%c``, ``%d``, ``%x``, ``%f``... with flags, width and
  precision; the format used again while arguments remain; ``echo -e``'s and the format's
  escapes as Bash reads them, :func:`~._sh_text.unescape`; after ``shopt -s xpg_echo`` or
  ``set -o posix``, an ``echo`` with a backslash or an option is not interpreted) to the
  task log (``>&2``: as errors; see the redirections below), or to ``/etc/environment`` with
  ``>>``/``>`` or ``| [sudo] tee [-a] /etc/environment`` (the machine store). ``| tee [-a]
  FILE...`` also prints the lines, as tee copies its input to its output; other files are
  not modelled.
* ``exit [N]`` (bare: the last status; not a number: Bash's error, exit code 2); ``set -e``,
  ``-u``, ``-o errexit|nounset|pipefail`` (``set -euo pipefail``; ``+`` for off); ``set --
  ARGS`` (the positional parameters); ``set -x``/``-v`` (the errors not known while on),
  ``-n`` (the script ends), options that change nothing interpreted, any other leaving
  what follows not followed (:meth:`_Shell.set_option`); ``exec`` with redirections alone
  (:meth:`_Shell.exec`). ``-u``
  makes an unset variable Bash's error ``X: unbound variable`` and exits 1 (without Bash's
  ``script: line N:`` prefix); ``pipefail`` knows the status of ``echo``/``printf``/
  ``true``/``false`` before the last command of a pipeline, no other. ``set -e`` spares a
  condition, what comes before the last ``&&``/``||`` and an inverted status (``! cmd``,
  and what runs inside it), and the status of a group, ``if``, loop or ``case`` itself (a
  command inside ends the script unless spared: ``{ false && x; }`` goes on), as Bash does;
  a subshell's status ends it.
* ``[``/``test`` with ``-z``, ``-n``, ``=``, ``==``, ``!=``, ``-eq``..``-ge``, ``!``,
  ``-a``, ``-o``, ``( )`` and the file tests on ``/etc/environment`` (the one file the
  simulator models: a regular file); ``[[ ]]`` with the same (``-eq``..``-ge`` on
  arithmetic expressions, as Bash reads them: ``[[ 010 -eq 8 ]]``; Bash's arithmetic error
  there is not known) and ``&&``, ``||``,
  ``=``/``==``/``!=`` against a pattern read as a ``case`` pattern is (below: its quoted
  parts literal, the rest a glob; what ``case`` refuses is not known), ``=~`` (an extended
  regular expression without backslashes or ``[:class:]``, in ASCII text, as
  :func:`~._sh_text.test_expression` reads it; quoted: a substring; after one,
  ``BASH_REMATCH``, an array of Bash's, is not known). As in
  Bash, ``[[ ]]``'s words are parsed as written (an operator only where written bare, a
  unary one first: ``[[ -n = x ]]``, ``[[ a "==" a ]]`` are Bash's syntax errors, not
  interpreted) and each expanded when the evaluation reaches it: the side ``&&``/``||``
  skips assigns nothing and fails on nothing (``[[ $# -gt 0 && $1 == x ]]`` under ``set
  -u``); after a side not known, the next is evaluated only if its expansions can neither
  assign nor fail. A leading ``~`` (the home directory), a ``(`` or ``)`` written against
  another word, a ``]]`` before the last and a redirection after it are not interpreted.
* ``&&``/``||`` lists and ``!`` (a line ending in ``&&``, ``||``, ``|`` goes on in the next;
  an ``if``, a loop or a ``case`` there is one command of the list, up to its ``fi``,
  ``done`` or ``esac`` and with the redirections after it: :func:`_take` writes it as the
  ``{ ...; }`` group around it; in a pipeline, after ``time`` or with ``&`` it is not
  interpreted); ``if``/``elif``/``else``/``fi``; ``{ ...; }`` groups (an
  ``exit`` inside ends the script) and ``( ... )`` subshells (their own variables, options
  and functions; an ``exit``, or in a function a ``return``, inside ends only the subshell,
  its status the exit code), each with redirections of what it prints and of its errors
  (below). The last command of a pipeline runs in a subshell
  too, as in Bash: its ``exit``, ``return`` or ``set -u`` error ends only it (``echo |
  exit 3`` has status 3, the script goes on), its ``break``/``continue`` does nothing
  (status 0), and what it assigns, exports, unsets or sets is lost with it. A limit of
  the simulator (:data:`MAX_STATEMENTS`, the loop and nesting bounds below) ends the whole
  script, from inside a subshell too.
* Functions the script defines (``f() { ...; }``, ``function f { ...; }``, ``f() ( ... )``,
  the body on the same line or the next ones; a later definition replaces an earlier one)
  and their calls, run in the script's shell: ``$1``... ``$#``, ``$@``/``$*`` and ``"$@"``
  (one word per argument) are the call's own arguments (``shift [N]``), ``local X[=v]`` a
  variable of the call (its value outside comes back when it returns; ``local -r``/``-x``
  too, other options not interpreted; outside a function: Bash's error, status 1), ``X=v
  f`` sets X for the call only, ``return [N]`` ends the call (bare: the last status), its
  status is its last command's, ``exit`` inside ends the script, a redirection of the call
  (``f >&2``) redirects what it prints and its errors, and ``set -e`` works inside as Bash
  does (spared when the call is a condition). ``sudo f`` runs a program, not the function;
  a function in a pipeline (a subshell) is not interpreted. ``return [N]`` in the script itself ends
  the script with status N (bare: the last status): Calamari's Bootstrap.sh runs the step's
  script with ``source``, so Bash's ``return: can only `return' from a function or sourced
  script`` does not apply (in a subshell it ends the subshell). ``return 1 2`` does what Bash
  does in a sourced script: ``return: too many arguments``, and the script (in a subshell:
  the subshell) ends with status 1, from inside a function too. A recursion deeper than
  :data:`MAX_FUNCTION_NESTING` calls fails the script (exit 1, an Error line saying so):
  Bash has no such limit and crashes when its stack runs out. ``command -v NAME`` of such a
  function, a builtin or a reserved word prints NAME (:meth:`_Shell.command_v`).
* ``case WORD in PATTERN|PATTERN) ...;; esac`` (on one line or many, ``(PATTERN)`` too): the
  first clause whose pattern matches WORD runs; a pattern is a glob (``*``, ``?``,
  ``[...]``, ``[!...]``) but for its quoted parts (an unquoted ``$P`` in it: a glob), read
  by the code that reads ``${X#p}``'s and ``[[ x == p ]]``'s (:func:`_glob`; any number of
  ``*``); a WORD starting with ``~`` is not interpreted;
  ``;&`` runs the next body as well, ``;;&`` goes on testing. Its status is the body's, 0
  if none matched. A word or pattern it cannot evaluate runs no clause (status not known),
  nor does a ``case`` piped. It cannot evaluate a ``$(...)`` not interpreted, nor any pattern
  :func:`_glob` refuses (docs/deployments.md, *Bash patterns*, lists them:
  ``[[:alpha:]]``, extended globs, a backslash or ``~``, quoted bracket members, a WORD not
  in ASCII that ``?`` or a bracket would take a character of...).
* ``for X in WORDS; do ...; done`` (the words expanded and split as Bash does; ``for X``
  loops over the arguments: none in the script itself), ``while``/``until COND; do ...;
  done`` while the condition's status is known at each test, ``break [N]`` and ``continue
  [N]`` (outside a loop, and a function's caller's loops or a subshell's parent's are
  outside, Bash's error line, status 0; an N of 0 or less ends every loop, status 1, and one
  that is no number ends the script, or its subshell, with 128: Bash's errors); a loop's
  status is its body's last, 0 if the body never ran, and its sleeps take their virtual
  time. ``for ((INIT; CONDITION; STEP))`` with
  Bash's arithmetic (below; an expression left out is true, ``continue`` runs STEP; one it
  cannot evaluate stops the loop there, status not known); each of its rounds counts as a
  statement, so one without end fails the script on :data:`MAX_STATEMENTS`. That budget is
  of work: a statement counts once more for each :data:`STATEMENT_CHARACTERS` characters,
  an arithmetic expression for each :data:`ARITHMETIC_CHARACTERS` each time it is
  evaluated, a loop's condition each time it is tested. A
  ``while``/``until`` loop still running after :data:`MAX_LOOP_ITERATIONS` iterations fails
  the script (exit 1, an Error line saying so). What Bash would expand as file names
  (``*.log``, ``$P`` holding ``*``), ``{a,b}``, ``~``, ``select``, a loop in a pipeline:
  the loop is skipped (status
  not known), as is a ``while`` whose condition is not known (at a later test: the loop
  stops there). A loop stops, its status not known, after an iteration in which the
  interpreter could not follow Bash (a branch not taken because its condition is not known,
  an ``&&``/``||`` list stopped at a status not known, a statement skipped whole such as
  ``i=$(expr $i + 1)``, ``read`` or another builtin changing the shell): whether Bash would have
  broken out, or gone round again, is not known. The rest of that iteration runs, as the
  rest of a script runs after an ``if`` it cannot evaluate.
* Redirections, applied in order one file descriptor at a time, as Bash applies them, to a
  command, a group, a subshell, a function call, an ``if``, a loop and a ``case``:
  descriptor 1 (what commands print: the
  task log) and 2 (errors: Error lines, Bash's own error messages too) each go to the task
  log, ``/dev/null``, ``/etc/environment`` (``>`` truncates it once, ``>>`` appends) or
  another file (not modelled: what goes there is lost); ``>&2``, ``2>&1``, ``>/dev/stderr``
  copy where the other goes at that point (``echo x 2>/dev/null >&2`` prints nothing, ``echo
  a 2>&1 >&2`` a line); ``&>FILE``, ``>&FILE`` send both. Other descriptors (``3>FILE``,
  ``11>FILE``) open and are copied (``>&3``). A redirection Bash cannot make (``>&3`` with 3
  not open: ``3: Bad file descriptor``; ``>$F`` with F unset or holding blanks: ``$F:
  ambiguous redirect``; ``> ""``) stops the command, its error where descriptor 2 went so
  far, status 1; a statement that may assign (``x=1 >&3``: Bash assigns before it fails) is
  then not interpreted. Closing a descriptor (``>&-``: Bash's write errors) is not
  interpreted, nor is a pipeline whose first command is redirected (``echo x >&2 | tee``).
* ``systemctl cat UNIT`` (its status: does the Tentacle unit exist) and ``systemctl
  list-units`` (the Tentacle units, only the UNIT column, one a line).
* ``grep -q '^X=' /etc/environment`` (also ``-s``, ``-E``, or its output to ``/dev/null``):
  its status says whether the machine store sets X.
* ``$X``, ``${X}``, ``${X:-default}``, ``${X:=default}`` (sets X), ``${X:+other}``,
  ``${X:?message}`` (unset or empty: ``X: message`` as an error, exit 1), and each without
  the ``:`` (only when unset; the word expanded only when used, so a ``$((y = 3))`` in it
  assigns only then, and its quotes removed as Bash 5.2 removes them: ``${X:-"a b"}`` is
  ``a b``, a ``'`` inside double quotes is itself; a leading ``~`` bare, ``$'...'`` inside
  double quotes and a backslash inside the word's own ``"..."`` there not interpreted),
  expanded from left to right as Bash does, from the script's environment, in double
  quotes and bare. A name is Bash's, ASCII (``$vā`` is ``$v`` then ``ā``; ``vā=1``, a
  command, is not interpreted); a ``${...}`` ends at its first ``}`` outside quotes and
  nested ``${...}`` (a ``{`` opens nothing, a ``#`` starts no comment), as in Bash; a bare
  expansion is split at blanks and gone if empty (``[ -n $X ]`` with X unset is ``[ -n
  ]``: true), but in ``[[ ]]`` (``"$@"`` there one word, the arguments joined) and
  assignments, as Bash does (a word partly quoted whose splitting would matter is not
  interpreted). ``${#X}``, ``${X#p}``, ``${X##p}``, ``${X%p}``, ``${X%%p}``, ``${X/p/s}``,
  ``${X//p/s}``, ``${X/#p/s}``, ``${X/%p/s}`` with a glob ``p`` of one ``*`` at most
  (:meth:`_Shell.pattern_parameter` lists what is not interpreted, as does
  docs/deployments.md, *Bash patterns*).
  ``$?`` is the last status. The step's script parameters are not modelled: in the script
  itself ``$#`` is 0, ``$@`` and ``$*`` are empty, ``$1``... unset (in a function: the
  call's arguments). ``$(uname)`` (and ``uname -s``) is
  ``Linux`` on a Linux Tentacle, and ``$(get_octopusvariable NAME)`` what Calamari's
  function prints, its trailing newlines removed and, bare, split and (a ``*``...) not
  interpreted as any ``$(...)``. Any other ``$(COMMANDS)`` runs them in a subshell whose
  output is its value (:meth:`_Shell.captured`: without ``set -e``, its status ``$?``
  and an assignment's), unless it runs anything not interpreted. ``$((...))``: Bash 5.2's
  integer arithmetic (:func:`~._sh_arith.arithmetic`: signed 64 bits wrapping around;
  decimal, ``0x``, octal ``0`` and ``BASE#DIGITS``; variables by name or ``$X``, unset or
  empty 0, a value an integer constant whose stacked signs are each a unary operator:
  ``x=+-5`` reads -5,
  ``x=--5`` 5; every operator of Bash's manual with its precedence: ``id++``, ``++id``,
  unary ``- + ! ~``, ``**``, ``* / %`` truncated as C's, ``+ -``, ``<< >>``, comparisons,
  ``& ^ |``, ``&&``, ``||``, ``?:`` (the operand Bash skips is not evaluated), ``=`` and
  each ``OP=``, ``,``); Bash's errors (a division by 0...) and what is not interpreted (a
  shift count out of 0 to 63, C's undefined behaviour; a variable holding an expression of
  its own; arrays) leave it not interpreted, and then nothing it assigns is set; in a
  pipeline (a subshell in Bash) its assignments are lost, as in Bash. The arithmetic
  command ``(( EXPRESSION ))`` (status 1 when the value is 0, else 0; so ``(( i++ ))`` with
  i at 0 ends a ``set -e`` script, as in Bash) and ``let EXPRESSION...`` (the last one's
  value decides; none: Bash's ``let: expression expected``, status 1) use the same
  arithmetic. ``${X^^}``, ``${X,,}``, ``${X^}``, ``${X,}`` (upper or lower case, all or
  the first character) of ASCII text, where no ``i`` is made upper case nor ``I`` lower
  (the Turkish locales' ``İ`` and ``ı``). ``$$``, ``$!``, ``$0``, ``$-`` and the ``${...}``
  forms not listed above (``${X:1:2}``, ``${X^^p}``...) are not interpreted.
* Indexed arrays (:meth:`_Shell.array_assignment`): ``a=(WORDS)`` (expanded and split as a
  ``for`` loop's words), ``a+=(WORDS)``, as a statement of its own; ``$a`` is ``${a[0]}``
  and ``a=x`` assigns it, as in Bash; ``${a[I]}`` and ``${#a[I]}`` (I arithmetic:
  ``a[i+1]``, ``a[$i]``, negative from the end; out of range as Bash 5.2:
  :meth:`_Shell.element`), ``"${a[@]}"`` (one word per
  element; ``"x${a[@]}y"`` the first and last joined to x and y), ``${a[@]}`` and
  ``${a[*]}`` bare (split, IFS Bash's default), ``"${a[*]}"`` (joined by IFS's first
  character), ``${#a[@]}``, ``${!a[@]}`` (the subscripts: arrays here have no gaps); a
  variable not an array is one of one element, unset of none;
  ``declare -a a``/``local -a a`` (:meth:`_Shell.array_declaration`); ``mapfile [-t] a
  <<< "$V"`` (:meth:`_Shell.mapfile`); ``a[I]=v``/``a[I]+=v`` as a statement of its own,
  within the elements or one past the last (:meth:`_Shell.element_assignment`). Not
  interpreted:
  any other use (a subscript that may assign, ``a[i++]``, or holds quotes or a command
  substitution, ``${a[@]:1}``, ``a[9]=x`` leaving a gap, ``unset 'a[0]'`` (but
  the last element's: :meth:`_Shell.unset_last_element`), ``local``/``declare``/
  ``export`` with an array, ``local a`` hiding one, any other ``mapfile``, ``read -a``,
  ``declare -A``), Bash's own arrays (``FUNCNAME``, ``BASH_REMATCH``, ``PIPESTATUS``...);
  what may have changed an array leaves it not known.

Quoting is Bash's, read by one scanner (:func:`~._sh_text.sh_parts`) for statements, words,
``case``, here-documents and Calamari's ``$(get_octopusvariable N)``: ``'...'`` literal;
``"..."`` where a backslash makes ``$``, a backquote, ``"`` and ``\\`` literal and a
``$(...)`` may hold quotes; ``$'...'`` with its escapes (``\\n``, ``\\t``, octal,
``\\xHH``...; a NUL ends it; a byte of 0x80 or more, ``\\u``, ``\\c`` not
interpreted); a comment (``#`` starting a
word) and a here-document's body open no quote. A redirection written against a word is one
(``echo hi>/dev/null``, ``echo a>&2``; in ``[[ ]]``, ``<`` and ``>`` compare strings: not
interpreted). A reserved word ends at a blank (space, tab, newline) or a metacharacter
(``while((``, ``fi>log``): ``if`` and a no-break space is a command's name; a script holding
a ``then``, ``do``, ``fi``... where Bash reads none (its syntax error) is not interpreted
(:func:`_syntax_error`). The commands interpreted read no input: ``echo hi <<EOF``, ``<<< WORD`` and
``< /etc/environment`` change nothing for them. But Bash expands a here-document's body when
its delimiter is not quoted, and a here-string's word, where the expansions may assign
(``$((i++))``, ``${X:=v}``) or fail (``set -u``, ``${X:?}``), in the shell or in the
command's process depending on the command: a statement with such a body or word holding a
``$`` or a backquote is not interpreted (what it may assign is then unknown).

Anything else does nothing and prints nothing (the restart recogniser reads restarts and
probes separately): any other program (``grep``, ``command -v aws``, ``curl``, other
``systemctl`` verbs), a command with a ``$(...)`` running any of these, or backticks, any
other file test, an arithmetic command redirected or piped, a group in a pipeline, a
command reading a
here-document (``cat <<EOF``: its body is data, skipped up to its delimiter line, in a
function, group, subshell or ``case`` clause too; the lines after it run), a
command reading a file (``< FILE``: it may not exist) other than ``/etc/environment``, and a
command ended by ``&`` (it runs detached; ``echo a & echo b``: ``&`` ends it in the middle of
a line too, and ``echo b`` is the next statement). Its status is not known, so nothing that depends
on it runs: an ``if`` whose condition cannot be evaluated runs neither branch (nor any later
``elif``/``else``), and an ``&&``/``||`` list stops at the first status not known; ``$?``
after it is not known either (the statement holding it is skipped, but ``exit $?`` still
ends the script). As the script's exit code it counts as success. What was not run may have
ended the script (:meth:`_Shell.may_end`): under ``set -e`` a command whose status is not
known where ``set -e`` applies, or a branch, loop or rest of a list not run holding a
command whose failure would end it; an ``exit``, ``fail_step``, a function... or an
expansion that may fail (``${X:?}``, arithmetic) not run, or in a statement skipped whole.
Then nothing after it is known (:class:`_Unfollowed`): nothing more runs, the exit code
counts as success, a subshell's status is not known. As in Bash, the script's
exit code is the last command's status, so a script ending in ``[ -z "$X" ] && exit 1``
exits 1 when X is set.
"""

from __future__ import annotations

import base64
import functools
import itertools
import re
from collections.abc import Container, Generator, Iterator, Sequence
from dataclasses import dataclass, field

from octosim.model.dotnet import LINE_BREAK
from octosim.model.scripts._running import (
    ScriptExit,
    ScriptHost,
    ScriptProgram,
    ScriptResult,
    Unknown,
    ascii_digits,
)
from octosim.model.scripts._sh_arith import ARITHMETIC_TARGET, arithmetic
from octosim.model.scripts._sh_text import (
    BLANKS,
    GLOB_STAR,
    SH_NAME,
    CaseStatement,
    TestError,
    ansi_c,
    bang_in_pipeline,
    braced_end,
    case_statements,
    dequote,
    fits_int64,
    glob_atoms,
    heredoc_at,
    heredoc_bodies_end,
    heredoc_expands,
    printf_text,
    quoted_body,
    replace_glob,
    sh_closing,
    sh_group_end,
    sh_parts,
    sh_split,
    sh_strip_comments,
    sh_top_breaks,
    sh_top_level,
    sleep_seconds,
    split_fields,
    split_words,
    strip_sudo,
    test_expression,
    trim_glob,
    unescape,
)
from octosim.model.scripts._sh_variables import (
    ARRAYS,
    DYNAMIC,
    KNOWN,
    READONLY,
    SET_IF_UNSET,
    UNKNOWN_SET,
)

__all__ = ["run_bash"]

#: Where the machine environment lives on Linux (pam_env reads it at login).
ETC_ENVIRONMENT = "/etc/environment"
#: A command's exit status; None when it is not known (a command not interpreted).
_Status = Generator[float, None, int | None]

_LIST_OP = re.compile(r"&&|\|\|")
_PIPE = re.compile(r"\|(?!\|)")
#: ``NAME=value`` and ``NAME+=value`` (appended to NAME's value).
_ASSIGNMENT = re.compile(rf"^({SH_NAME})(\+?)=(.*)$", re.DOTALL)
#: An array's assignment, which Bash reads as one where an assignment may stand: ``a=(x y)``,
#: ``a+=(z)``, ``a[0]=x`` (interpreted only as a statement of its own: :data:`_ARRAY_STATEMENT`,
#: :data:`_ELEMENT_ASSIGNMENT`).
_ARRAY_ASSIGNMENT = re.compile(rf"^{SH_NAME}(?:\[|\+?=\()")
#: A statement assigning an indexed array its words, ``a=(x y)``, or appending them,
#: ``a+=(z)``: its name, ``+``, and where its ``(`` is.
_ARRAY_STATEMENT = re.compile(rf"[ \t\n]*({SH_NAME})(\+?)=\(")
#: ``${NAME[I]}``, ``${NAME[@]}``, ``${NAME[*]}``, ``${#NAME[@]}``, ``${#NAME[I]}``,
#: ``${!NAME[@]}``: an element (I an arithmetic expression: ``a[i+1]``, ``a[010]`` being
#: ``a[8]``), every element, their count, an element's length, the subscripts.
_SUBSCRIPTED = re.compile(
    rf"(?P<count>#)?(?P<keys>!)?(?P<name>{SH_NAME})\[(?P<index>[^][]+)\]")
#: ``${NAME[@]}`` (``${!NAME[@]}``): in double quotes, each element (subscript) a word.
_ELEMENTS = re.compile(rf"\$\{{(!?)({SH_NAME})\[@\]\}}")
#: An element's assignment, ``a[I]=v`` or ``a[I]+=v``: the name, the subscript, ``+``, the
#: value as written.
_ELEMENT_ASSIGNMENT = re.compile(rf"({SH_NAME})\[([^][]+)\](\+?)=(.*)", re.DOTALL)
#: A command substitution (``$(...)`` but ``$((...))``, backquotes): its status would be the
#: assignment's.
_SUBSTITUTION = re.compile(r"\$\((?!\()|`")
#: A number as Bash writes an integer variable's value.
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,18})")
#: What an array's subscript may not hold to be evaluated here: what could assign
#: (``a[i++]``, ``a[i=1]``; the statement's assignments are found by other means), a
#: command substitution, quotes or a backslash (Bash removes them, or fails on ``\$i``).
_SUBSCRIPT_REFUSED = re.compile(r"=|\+\+|--|\$\(|[`'\"\\]")
#: What assigns an array's elements by name where the interpreter does not follow it:
#: ``mapfile``/``readarray`` (their names, ``MAPFILE`` by default), ``printf -v NAME``
#: (``a[1]`` too), a subscripted name in arithmetic (``(( a[1] = 2 ))``, ``let a[1]=2``).
_MAPFILE = re.compile(r"(?:^|(?<=[\s;&|(){}`]))(?:mapfile|readarray)(?![\w-])"
                      r"((?:[ \t]+[^\s;&|<>]+)*)")
_PRINTF_NAME = re.compile(rf"\bprintf[ \t]+-v[ \t]+['\"]?({SH_NAME})")
_SUBSCRIPT_NAME = re.compile(rf"({SH_NAME})[ \t]*\[")
#: A name in ``/etc/environment`` (pam_env's, which takes names Bash does not): what
#: :data:`_ENVIRONMENT_LINE` sets and :data:`_GREP_NAME` asks about.
_ENVIRONMENT_NAME = r"[A-Za-z_]\w*"
#: A line of ``/etc/environment`` setting a variable: ``NAME=value``.
_ENVIRONMENT_LINE = re.compile(rf"^({_ENVIRONMENT_NAME})=(.*)$", re.DOTALL)
#: A name assigned somewhere in a text: ``X=``, ``X+=``, ``a[0]=``, ``export X=``, ``local -r
#: X=``, ``for X``.
_ASSIGNED = re.compile(r"(?:^|(?<=[\s;&|(){}`]))(?:(?:export|local|readonly|declare|typeset)"
                       rf"(?:\s+-\w+)*\s+)?({SH_NAME})(?:\[[^\]]*\])?\+?=|\bfor\s+({SH_NAME})")
#: A declaration's names in a text, as written after its options: ``declare -i n``, ``local
#: -a list=(...)``, ``readonly X``, ``unset X`` (what may give a variable an attribute, or
#: unset it).
_DECLARED = re.compile(r"(?:^|(?<=[\s;&|(){}`]))(?P<builtin>declare|typeset|local|readonly|unset)"
                       r"(?P<args>(?:[ \t]+[^\s;&|<>()]+)*)")
#: ``getopts OPTSTRING NAME``: it sets NAME, ``OPTARG`` and ``OPTIND``.
_GETOPTS = re.compile(rf"\bgetopts[ \t]+\S+[ \t]+({SH_NAME})")
#: ``${X=v}``, ``${X:=v}``: an expansion assigning X.
_DEFAULT_ASSIGNED = re.compile(rf"\$\{{({SH_NAME}):?=")
#: ``${X:?message}``, ``${X?}``: an expansion that may fail (``${X#?}`` too, to be safe).
_MAY_FAIL = re.compile(r"\$\{[^}]*\?")
#: Where arithmetic may assign: ``((``, ``$((``, ``let``.
_ARITHMETIC_TEXT = re.compile(r"\(\(|\blet\b")
#: ``read [-options] NAME...``: the names it sets (``REPLY`` when none).
_READ = re.compile(r"(?:^|(?<=[\s;&|(){}`]))read(?![\w-])((?:[ \t]+[^\s;&|<>]+)*)")
#: An output redirection: ``>FILE``, ``2>>FILE``, ``>&2``, ``2>&1``, ``11>FILE``, ``&>FILE``...
_REDIRECT = re.compile(r"^(?P<all>&)?(?P<fd>[0-9]*)(?P<op>>>|>\|?)(?P<dup>&?)(?P<target>.*)$",
                       re.DOTALL)
#: Where a file descriptor's output goes (besides files): the task log, as lines or errors.
_TASK_LOG = "<task log>"
_ERRORS = "<task log errors>"
#: Where a command substitution's output goes, numbered by its depth: captured as its value.
_CAPTURE = "<command substitution>"
#: A ``case`` or a comment in a command substitution (:meth:`_Shell.captured`).
_CASE_OR_COMMENT = re.compile(r"(?:^|(?<=[\s;&|(){}]))(?:case(?=[\s;&|()<>])|#)")
#: The file descriptors open in a script: what its commands print, and its errors.
_STANDARD: dict[int, tuple[str, bool]] = {1: (_TASK_LOG, True), 2: (_ERRORS, True)}
#: An input redirection: ``< FILE``, ``<<EOF`` (a here-document), ``<<< WORD``...
_INPUT = re.compile(r"^[0-9]*(?P<op><<<|<<-|<<|<&|<>|<)(?P<target>.*)$", re.DOTALL)
#: ``$NAME``, ``$1``, ``$?``... (``${...}`` ends where :func:`braced_end` says).
_PARAMETER = re.compile(rf"\$(?P<name>{SH_NAME}|[0-9?#@*$!-])")
#: ``"$X"``, ``"${X}"``, and bare (``quote`` empty).
_PLAIN_PARAMETER = re.compile(rf'(?P<quote>"?)\$(?:(?P<name>{SH_NAME})|\{{(?P<braced>{SH_NAME})\}})'
                              r"(?P=quote)")
#: A command substitution that is not Calamari's ``$(get_octopusvariable ...)``.
_OTHER_SUBSTITUTION = re.compile(r"\$\((?!\(|[ \t\n]*get_octopusvariable[ \t\n])|`")
#: What ends a command (besides a blank): a ``$(...)`` holding one holds more than one
#: command.
_COMMAND_ENDS = frozenset(";&|\n<>()")
#: What ``${...}`` holds that is interpreted: a name and ``-``, ``=``, ``?``, ``+``, each with
#: or without ``:``.
_BRACED = re.compile(rf"^(?P<name>{SH_NAME}|[0-9]+|[?#@*$!-])(?:(?P<op>:?[-=?+])(?P<word>.*))?$",
                     re.DOTALL)
#: The arguments' special parameters. The step's script parameters
#: (``Octopus.Action.Script.ScriptParameters``) are not modelled: a script has none, a
#: function call has its own.
_ARGUMENT_PARAMETERS = frozenset({"#", "@", "*"})
#: ``${#X}``: X's length.
_LENGTH = re.compile(rf"#(?P<name>{SH_NAME}|[0-9]+)")
#: ``${X#p}``, ``${X##p}``, ``${X%p}``, ``${X%%p}`` (a prefix or suffix removed) and
#: ``${X/p/s}``, ``${X//p/s}``, ``${X/#p/s}``, ``${X/%p/s}`` (a match replaced).
_PATTERN_OPERATION = re.compile(rf"(?P<name>{SH_NAME}|[0-9]+)(?P<op>##?|%%?|/[/#%]?)(?P<word>.*)",
                                re.DOTALL)
#: ``${X^^}``, ``${X,,}``, ``${X^}``, ``${X,}``: X's value in upper or lower case, or its
#: first character (without a pattern after the operator).
_CASE_MODIFICATION = re.compile(rf"(?P<name>{SH_NAME}|[0-9]+)(?P<op>\^\^?|,,?)")
#: The longest value those operations are applied to: each tries a match at every position
#: (longer values are unknown).
PATTERN_VALUE_MAX = 1024
#: Each operation counts one statement per PATTERN_WORK of its value's length squared (the
#: matching's cost), besides one per 50 characters: a loop of them on a 1,024-character
#: value fails in seconds, not minutes.
PATTERN_WORK = 10_000
#: ``$@`` inside double quotes: one word per argument.
_QUOTED_ALL = re.compile(r"\$(?:@|\{@\})")
#: ``set``'s letters and the options they name.
_SET_LETTERS = {"e": "errexit", "u": "nounset", "x": "xtrace", "v": "verbose", "n": "noexec",
                "f": "noglob", "a": "allexport", "h": "hashall", "B": "braceexpand",
                "E": "errtrace", "T": "functrace", "H": "histexpand", "m": "monitor",
                "b": "notify", "p": "privileged", "P": "physical", "C": "noclobber",
                "k": "keyword", "t": "onecmd"}
#: Options that change nothing the interpreter does: what they change it does not interpret
#: anyway (file name patterns, brace expansion, traps, jobs, ``cd``), or nothing a script
#: sees. (``posix`` makes ``echo`` not known: :attr:`_Shell.xpg_echo`.)
_HARMLESS_OPTIONS = frozenset({"allexport", "hashall", "braceexpand", "errtrace", "functrace",
                               "histexpand", "history", "monitor", "notify", "privileged",
                               "physical", "noglob", "emacs", "vi", "ignoreeof", "nolog",
                               "posix"})
_KEYWORDS = ("then", "else", "do")
_CLOSER = {"{": "}", "(": ")"}
#: The one grep pattern on /etc/environment interpreted: a line setting a name, ``^NAME=``.
_GREP_NAME = re.compile(rf"\^({_ENVIRONMENT_NAME})=")
#: A function definition: ``f() ...``, ``function f ...`` (its body, if on the same piece).
#: Bash takes a function name in any script's letters (``fé() { ...; }``), not a variable's.
_FUNCTION = re.compile(
    r"^(?:function\s+(?P<keyword>[\w.:-]+)(?:\s*\(\s*\))?|(?P<name>[\w.:-]+)\s*\(\s*\))"
    r"\s*(?P<body>.*)$", re.DOTALL)
_LOOPS = frozenset({"for", "while", "until", "select"})
#: ``for ((INIT; CONDITION; STEP))``.
_ARITHMETIC_FOR = re.compile(r"^for\s*\(\((?P<inner>.*)\)\)\s*$", re.DOTALL)
_SEMICOLON = re.compile(";")
#: ``for NAME [in WORDS]``: the words as written (None: no ``in``, the arguments).
_FOR = re.compile(rf"^for\s+(?P<name>{SH_NAME})(?:\s+(?P<in>in)(?:\s+(?P<words>.*))?)?\s*$",
                  re.DOTALL)
#: Builtins not interpreted that change the shell's own state (variables, arguments): a loop
#: running one cannot know its next iteration.
#: Bash 5.2's builtins (``compgen -b``) and reserved words (``compgen -k``): what ``command
#: -v`` names as themselves, whatever a function of the same name.
_BUILTINS = frozenset({".", ":", "[", "alias", "bg", "bind", "break", "builtin", "caller", "cd",
                       "command", "compgen", "complete", "compopt", "continue", "declare", "dirs",
                       "disown", "echo", "enable", "eval", "exec", "exit", "export", "false", "fc",
                       "fg", "getopts", "hash", "help", "history", "jobs", "kill", "let", "local",
                       "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read", "readarray",
                       "readonly", "return", "set", "shift", "shopt", "source", "suspend", "test",
                       "times", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias",
                       "unset", "wait"})
_RESERVED = frozenset({"if", "then", "else", "elif", "fi", "case", "esac", "for", "select",
                       "while", "until", "do", "done", "in", "function", "time", "{", "}", "!",
                       "[[", "]]", "coproc"})
#: What changes what ``command -v`` says of a builtin: an alias, a builtin disabled.
_ALIAS_OR_ENABLE = re.compile(r"\b(?:alias|enable)\b")
_STATE_CHANGING = frozenset({"read", "source", ".", "eval", "declare", "typeset",
                             "readonly", "mapfile", "readarray", "getopts", "cd", "pushd",
                             "popd", "trap"})
#: Bash has no limit of its own (it crashes when its stack runs out); the simulator stops
#: a runaway recursion here, loudly.
MAX_FUNCTION_NESTING = 50
#: A ``while``/``until`` loop still running after this many iterations fails the script: the
#: simulator does not run a script for ever.
MAX_LOOP_ITERATIONS = 10_000
#: All the statements a script may run (each loop iteration and call repeats its own), and the
#: longest value a variable may hold: beyond them, nested loops, branching recursion or a
#: value doubled in a loop would hold the simulation (or its memory) for ages.
MAX_STATEMENTS = 50_000
#: A statement (or a loop's condition, or a ``for ((...))`` round) this many characters long
#: counts as one more statement for :data:`MAX_STATEMENTS`: the budget is of work, and a
#: statement of a thousand terms is a thousand times the work of one.
STATEMENT_CHARACTERS = 50
#: As much for an arithmetic expression (``$((...))``, ``((...))``, ``let``, each part of
#: ``for ((...))``) this many characters long, each time it is evaluated: its evaluation
#: costs more per character than reading a statement.
ARITHMETIC_CHARACTERS = 32
MAX_VALUE_LENGTH = 1_000_000
TOO_LONG = ("The simulator cannot interpret this script: it runs more than "
            f"{MAX_STATEMENTS:,} statements. Run fewer (loops and functions repeat theirs).")
#: ``$(uname)``: the one program whose output a Linux Tentacle knows.
_UNAME = re.compile(r"\$\(\s*uname(?:\s+-s)?\s*\)|`\s*uname(?:\s+-s)?\s*`")


@dataclass
class _Frame:
    """A function call running: its arguments (``$1``..., ``$#``, ``$@``) and the values its
    ``local`` variables hid, put back when it returns."""

    args: list[str]
    hidden: dict[str, str | None] = field(default_factory=dict)
    #: The function's name: ``FUNCNAME``.
    function: str = ""
    #: Its ``local -r`` variables: read-only until it returns.
    readonly: set[str] = field(default_factory=set)


class _Limit(ScriptExit):
    """A limit of the simulator (:data:`TOO_LONG`, a loop or a recursion without end): it
    ends the whole script, a subshell's too, where an ``exit`` would end only the
    subshell."""


class _Unfollowed(ScriptExit):
    """The shell may have ended here: ``set -e`` after a command whose status is not known,
    or code not followed (a branch whose condition is not known) that may have ended it
    (an ``exit``, a command failing under ``set -e``). What Bash does after is not known, so
    nothing more runs, and the exit code is not known either: a script's counts as success,
    as for any status not known; a subshell's status is not known."""

    def __init__(self) -> None:
        super().__init__(0)


class _RedirectFailure(Unknown):
    """A redirection Bash cannot make (``>&3`` with 3 not open, ``>$F`` with F unset): the
    command does not run, Bash prints ``message`` where its errors went so far, status 1."""

    def __init__(self, message: str, errors: tuple[str, bool]) -> None:
        super().__init__(message)
        self.message, self.errors = message, errors


class _Return(Exception):
    """``return [N]``: ends the innermost function call with status N."""

    def __init__(self, status: int | None) -> None:
        super().__init__(status)
        self.status = status


class _Break(Exception):
    """``break [N]``: ends N enclosing loops; the loop's status is ``status`` (1 after a loop
    count out of range, which ends them all)."""

    def __init__(self, levels: int, status: int = 0) -> None:
        super().__init__(levels)
        self.levels = levels
        self.status = status


class _Continue(_Break):
    """``continue [N]``: the next iteration of the Nth enclosing loop."""


@dataclass
class _Words:
    """A simple command's words after expansion, and where its output goes."""

    words: list[str]
    #: Each open file descriptor's destination (a file, :data:`_TASK_LOG`, :data:`_ERRORS`)
    #: and whether it appends, once the command's redirections are applied in order.
    fds: dict[int, tuple[str, bool]] = field(default_factory=lambda: dict(_STANDARD))
    #: Whether the command has redirections of its output.
    redirected: bool = False
    #: How each word was written: ``bare`` (no quotes), ``quoted`` (one quoted string) or
    #: ``mixed``; a ``for`` loop's words need it (a bare ``*`` is a file name pattern).
    forms: list[str] = field(default_factory=list)
    #: The assignments before the command's name, as written: Bash expands each after the
    #: words, just before it makes it (``x=1 y=$x`` sets y to 1).
    assignments: list[str] = field(default_factory=list)


def run_bash(body: str, host: ScriptHost) -> ScriptProgram:
    """Run ``body`` on ``host``: yields seconds slept, returns the :class:`ScriptResult`."""
    shell = _Shell(host)
    shell.aliases_possible = _ALIAS_OR_ENABLE.search(body) is not None
    # Calamari writes the script back with its Windows line endings made Linux's before Bash
    # runs it (BashScriptBootstrapper.EnsureValidUnixFile: "\r\n" replaced with "\n"); a
    # lone "\r" stays
    body = body.replace("\r\n", "\n")
    pieces = _pieces(body)
    if _syntax_error(pieces):
        return ScriptResult()  # Bash's syntax error: not interpreted (see _syntax_error)
    try:
        status = yield from shell.block(pieces)
    except _Return as done:  # Calamari sources the script: `return` ends it
        status = done.status
    except _Unfollowed:
        return ScriptResult()  # what follows is not known: a rest's line too
    except ScriptExit as stop:
        shell.flush()
        if stop.result.failed and stop.result.message is None and shell.message:
            return ScriptResult(stop.result.exit_code, shell.message)
        return stop.result
    shell.flush()
    if status and shell.message:
        return ScriptResult(status, shell.message)
    return ScriptResult(status or 0)  # a last command not interpreted counts as success


@functools.lru_cache(maxsize=512)
def _pieces(text: str) -> tuple[str, ...]:
    """Split a script into pieces at newlines and ``;`` outside quotes and brackets, with a
    leading ``then``/``else``/``do`` split off as a piece of its own. Memoised: it depends
    on the text alone, and clients send the same few scripts again and again."""
    return _statements(_without_heredoc_bodies(text))


@functools.lru_cache(maxsize=512)
def _statements(text: str) -> tuple[str, ...]:
    """:func:`_pieces` of a text whose here-document bodies are already gone: the body of a
    group, subshell, function or ``case`` clause. Its ``<<EOF`` stays, its body does not:
    taking bodies out again would read the lines after it as the body."""
    text = sh_strip_comments(_continued_lines(text))
    # A `case` is one piece; its pattern lists get their optional `(` so brackets balance.
    text, cases = case_statements(text)
    raw: list[str] = []
    start = 0
    for i in sh_top_level(text):
        if any(case.start < i < case.end for case in cases):
            continue
        if text[i] in "\n;":
            raw.append(text[start:i])
            start = i + 1
        elif _background(text, i):  # `cmd & next`: cmd runs detached, next is a statement
            raw.append(text[start : i + 1])
            start = i + 1
    raw.append(text[start:])
    pieces: list[str] = []
    for piece in (p.strip(_BASH_BLANKS) for p in raw):
        first = _first(piece)
        rest = piece[len(first) :].strip(_BASH_BLANKS)
        if first in _KEYWORDS and rest:
            pieces.extend([first, rest])
        elif piece:
            pieces.append(piece)
    statements: list[str] = []
    i = 0
    while i < len(pieces):
        i = _take(pieces, i, statements)
    return tuple(statements)


def _continued_lines(text: str) -> str:
    """``text`` without its line continuations: a backslash and a newline outside quotes,
    both removed, as Bash removes them (``echo a\\<newline>b`` prints ``ab``). Inside double
    quotes :func:`_double_segments` removes them, inside single quotes they are text, and a
    comment ends at its newline."""
    if "\\\n" not in text:
        return text
    cuts = [start for kind, start, end in sh_parts(text)
            if kind == "escaped" and text[start + 1 : end] == "\n"]
    if not cuts:
        return text
    return "".join(text[a:b] for a, b in zip([0, *(c + 2 for c in cuts)], [*cuts, len(text)],
                                             strict=True))


def _background(text: str, i: int) -> bool:
    """Whether the ``&`` at ``text[i]`` (outside quotes) ends a command that runs detached:
    not one of ``&&``, ``|&``, ``>&``, ``<&``, ``&>``."""
    return (text[i] == "&" and text[i - 1 : i] not in ("&", "|", ">", "<")
            and text[i + 1 : i + 2] not in ("&", ">"))


#: Bash's blanks between words: space, tab and newline (a no-break space is a letter).
_BASH_BLANKS = " \t\n"
#: The compound commands that run over several pieces, and the word closing each.
_COMPOUND_CLOSER = {"if": "fi", "for": "done", "while": "done", "until": "done",
                    "select": "done"}
#: Reserved words after which (at a command's start) a command starts: a compound command
#: there is one of a list, a pipeline or a condition.
_BEFORE_COMPOUND = frozenset({"!", "time", "if", "elif", "while", "until", "then", "do",
                              "else"})
#: What ends a piece that goes on in the next one: Bash reads on after ``&&``, ``||``, ``|``
#: and ``|&`` at a line's end.
_CONTINUED = re.compile(r"(?:&&|\|\||\|&?)$")


def _take(pieces: Sequence[str], i: int, out: list[str]) -> int:
    """Append to ``out`` the statement starting at ``pieces[i]``; return the index after it.
    A statement Bash reads as one and-or list is one piece: one whose line ends in ``&&``,
    ``||`` or ``|`` with the next line, and a compound command (``if``, a loop, ``case``)
    standing in a list, a pipeline or after ``!``/``time`` (``true && for ...; done``,
    ``echo x | while ...; done``, ``if ...; fi > log``), written there as the ``{ ...; }``
    group around it, which runs as it does. A compound command that is a statement of its
    own stays as its pieces."""
    piece = _wrap_cases(pieces[i], alone=True)
    i += 1
    while True:
        if i < len(pieces) and _continues(piece):
            piece += "\n" + _wrap_cases(pieces[i], alone=False)
            i += 1
            continue
        at = _inner_compound(piece)
        word = _first(piece[at:]) if at is not None else _first(piece)
        if word not in _COMPOUND_CLOSER:
            out.append(piece)
            return i
        body = [piece if at is None else piece[at:]]
        i, trailing = _compound_rest(pieces, i, body, _COMPOUND_CLOSER[word])
        if trailing is None or (at is None and not trailing):
            # a statement of its own, or never closed: its pieces as they are
            out.extend([piece, *body[1:]])
            return i
        piece = (piece[:at] if at is not None else "") + "{ " + "\n".join(body) + "\n}" + trailing


def _compound_rest(pieces: Sequence[str], i: int, body: list[str], closer: str
                   ) -> tuple[int, str | None]:
    """Append to ``body`` the pieces of a compound command from ``pieces[i]`` up to its
    ``closer`` (``fi``, ``done``; the statements between taken by :func:`_take`, so a compound
    inside is read whole): the index after it and what follows the closer on its piece (``
    && echo``, ``> log``; None when nothing closes it)."""
    while i < len(pieces):
        if _first(pieces[i]) == closer:
            body.append(closer)
            return i + 1, _wrap_cases(pieces[i], alone=False)[len(closer) :]
        i = _take(pieces, i, body)
    return i, None


def _continues(piece: str) -> bool:
    """Whether ``piece`` ends in ``&&``, ``||``, ``|`` or ``|&`` outside quotes: Bash reads
    the list on on the next line."""
    m = _CONTINUED.search(piece)
    return m is not None and len(piece) - 1 in _top_positions(piece)


@functools.lru_cache(maxsize=1024)
def _top_positions(piece: str) -> frozenset[int]:
    """The indices of ``piece``'s operator characters outside quotes and groups."""
    return frozenset(sh_top_level(piece))


@functools.lru_cache(maxsize=1024)
def _top_words(piece: str) -> tuple[tuple[int, int], ...]:
    """The spans of ``piece``'s words outside groups (a ``( )``, ``{ }`` or ``[[ ]]`` group
    is one word of them) and of its operators, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for at in [*sh_top_breaks(piece), len(piece)]:
        if at > start:
            spans.append((start, at))
        if at < len(piece) and piece[at] not in BLANKS:
            spans.append((at, at + 1))
        start = at + 1
    return tuple(spans)


@functools.lru_cache(maxsize=1024)
def _wrap_cases(piece: str, *, alone: bool) -> str:
    """``piece`` with each ``case ... esac`` in it that is one command of a list or a
    pipeline (not at its start, or something after its ``esac``; with ``alone`` false, even
    one that is the whole piece, a line the list goes on in) in a ``{ ...; }`` group. A
    ``case`` inside a group is left to the group's own statements."""
    if "case" not in piece:
        return piece
    balanced, cases = case_statements(piece)
    if balanced != piece:
        return piece  # not as _statements left it: leave it alone
    starts = {start for start, _ in _top_words(piece)}
    for case in reversed(cases):
        if case.broken or case.start not in starts or (
                alone and case.start == 0 and not piece[case.end :].strip(_BASH_BLANKS)):
            continue
        piece = f"{piece[: case.start]}{{ {piece[case.start : case.end]}\n}}{piece[case.end :]}"
    return piece


@functools.lru_cache(maxsize=1024)
def _inner_compound(piece: str) -> int | None:
    """Where in ``piece`` an ``if`` or a loop opens that is not its first word but a command
    of a list or a pipeline in it, or after ``!``, ``time`` or a reserved word such as
    ``if`` (``true && for i in 1 2``, ``echo x | while read l``, ``! if false``): its
    header runs to the piece's end, its body in the pieces after. None when there is none.
    What a ``case`` in the piece holds is skipped (its bodies are the case's)."""
    if not any(word in piece for word in _COMPOUND_CLOSER):
        return None
    _, cases = case_statements(piece)
    found: int | None = None
    command, target = True, False
    for start, end in _top_words(piece):
        word = piece[start:end]
        if end == start + 1 and start in _top_positions(piece):  # an operator
            if word in "<>" or (word == "&" and (piece[start - 1 : start] in ("<", ">")
                                                 or piece[end : end + 1] == ">")):
                target, command = True, False
            elif word in ";&|\n":
                command = True
        elif target:
            target = False
        elif command:
            if (start > 0 and word in _COMPOUND_CLOSER
                    and not any(case.start <= start < case.end for case in cases)):
                found = start
            command = word in _BEFORE_COMPOUND
    return found


@functools.lru_cache(maxsize=512)
def _case_statement(piece: str) -> CaseStatement | None:
    """The ``case`` statement ``piece`` holds, or None when it holds more (``esac >
    file``, ``esac | cmd``) or it is not well formed. Memoised, as :func:`_pieces` is."""
    _, found = case_statements(piece)
    case = found[0] if found else None
    if case is None or case.broken or case.start != 0 or piece[case.end :].strip(_BASH_BLANKS):
        return None
    return case


def _without_heredoc_bodies(text: str) -> str:
    """``text`` without the bodies of its here-documents (``<<EOF``, ``<<-'EOF'``): data, not
    code, and free to hold an unbalanced quote (``it's``). The command keeps its ``<<EOF``
    (a command reading a here-document is not interpreted). A body Bash would expand (its
    delimiter not quoted) holding a ``$`` or a backquote leaves a mark after the ``<<``:
    :data:`_EXPANDED_BODY` around the names its expansions may assign. Expanding it can
    assign (``$((i++))``, ``${X:=v}``) or fail (``${X:?}``, ``set -u``), and when it is done
    in the shell or in the command's own process depends on the command: the statement is
    not interpreted, and the names are forgotten with it."""
    if "<<" not in text:
        return text
    kept: list[tuple[int, int]] = []
    operators: list[tuple[int, str, bool, bool]] = []  # awaiting their bodies
    marks: dict[int, str] = {}  # where a mark goes: the index after an operator's `<<`
    for kind, start, end in sh_parts(text, heredocs=True):
        if kind == "heredoc":
            _mark_expanded_bodies(text, start, operators, marks)
            operators = []
            continue
        if kind == "plain" and text[start] == "<" and (heredoc := heredoc_at(text, start)):
            operators.append((start + 2, *heredoc, heredoc_expands(text, start)))
        kept.append((start, end))
    return "".join(marks.get(start, "") + text[start:end] for start, end in kept)


#: Around the names a here-document's expanded body may assign, after its ``<<`` (a NUL:
#: no script holds one there).
_EXPANDED_BODY = "\0"
_EXPANDED_BODY_NAMES = re.compile("\0([A-Za-z0-9_,]*)\0")


def _mark_expanded_bodies(text: str, i: int, operators: list[tuple[int, str, bool, bool]],
                          marks: dict[int, str]) -> None:
    """Mark each of ``operators`` whose body (read from ``text[i]`` on, in order) Bash
    expands and which holds a ``$`` or a backquote."""
    for at, delimiter, strip_tabs, expands in operators:
        end = heredoc_bodies_end(text, i, [(delimiter, strip_tabs)])
        body, i = text[i:end], end
        if expands and ("$" in body or "`" in body):
            names = {m.group(1) for m in _DEFAULT_ASSIGNED.finditer(body)}
            if "((" in body:
                names.update(m.group(1) or m.group(2) for m in ARITHMETIC_TARGET.finditer(body))
            marks[at] = _EXPANDED_BODY + ",".join(sorted(names)) + _EXPANDED_BODY


@functools.lru_cache(maxsize=512)
def _syntax_error(pieces: tuple[str, ...]) -> bool:
    """Whether the script's statements hold a reserved word where Bash reads no such word,
    a syntax error: a ``then``, ``elif``, ``else`` or ``fi`` outside an ``if``, a ``do`` or
    ``done`` outside a loop, an ``esac`` outside a ``case`` (``if\xa0true; then echo x;
    fi``: the no-break space makes ``if\xa0true`` a command, and the ``then`` after it an
    error), or an ``if`` or a loop never closed (``fi<CR>`` is no ``fi``: Bash reads on to
    the end of the script for one). Bash runs the lines before it, none of the line it stands
    on (a construct never closed: none of it), and ends the
    script there with status 2 and an error naming the script's file and line, which the
    simulator does not know: such a script is not interpreted. So is one with a ``!`` after
    a ``|`` (``echo a | ! true``: Bash reads ``!`` only at a pipeline's start). Memoised,
    as :func:`_pieces` is: it depends on the script alone, which runs again and again."""
    if any(bang_in_pipeline(piece) for piece in pieces):
        return True
    stack: list[str] = []
    for piece in pieces:
        word = _first(piece)
        if word in _COMPOUND_CLOSER:
            stack.append(_COMPOUND_CLOSER[word])
        elif word in ("then", "elif", "else", "fi", "do", "done", "esac"):
            if not stack or stack[-1] != ("done" if word in ("do", "done") else "fi"):
                return True
            if word in ("fi", "done"):
                stack.pop()
    return bool(stack)  # an if or a loop never closed (`fi\r` is no fi): Bash's too


def _may_assign(text: str) -> bool:
    """Whether ``text`` may assign a variable (``X=v``, ``${X:=v}``, ``$((i++))``...)."""
    return any(pattern.search(text) for pattern in (_ASSIGNED, _DEFAULT_ASSIGNED,
                                                    _ARITHMETIC_TEXT, _READ))


#: A statement's first word as Bash reads it for a reserved word: up to a blank (space, tab,
#: newline) or a metacharacter (``while((``, ``fi>log``, ``if(true)``).
_FIRST_WORD = re.compile(r"[ \t\n]*([^ \t\n;&|()<>]*)")


def _first(piece: str) -> str:
    """The first word of ``piece`` as Bash reads it to find a reserved word: ``if`` then a
    no-break space is the word ``if\xa0...``, a command, not ``if`` (str.split() split at
    any white space)."""
    m = _FIRST_WORD.match(piece)
    return m.group(1) if m else ""


class _Shell:
    """One running sh script: its options and its statements."""

    def __init__(self, host: ScriptHost) -> None:
        self.host = host
        self.errexit = False
        self.nounset = False  # set -u
        self.pipefail = False  # set -o pipefail
        #: How many groups, subshells and function calls are running (each with its own
        #: redirections, which Bash restores when it ends).
        self.scopes = 0
        #: ``set -x``, ``set -v``: Bash writes what it runs, or reads, to its errors.
        self.xtrace = False
        self.verbose = False
        #: The script's own arguments, ``$1``...: none (the step's script parameters are not
        #: modelled) until ``set -- ARGS``.
        self.script_args: list[str] = []
        #: ``$?``: the last status, None when it is not known.
        self.last: int | None = 0
        #: > 0 where Bash ignores ``set -e``: in a condition, and before the last ``&&``/``||``.
        self.errexit_ignored = 0
        #: Where each file descriptor goes (destination, append): the task log unless a
        #: group's, a function call's or a command's redirections say otherwise.
        self.fds: dict[int, tuple[str, bool]] = dict(_STANDARD)
        #: For each subshell running, the values its variables had before it set them.
        self.subshells: list[dict[str, str | None]] = []
        #: A ``fail_step`` message from a subshell: the step's message if the script fails.
        self.message: str | None = None
        #: The functions the script defined: name -> body (a ``{ }`` group or a subshell).
        self.functions: dict[str, str] = {}
        #: The function calls running, innermost last.
        self.frames: list[_Frame] = []
        #: How many loops are running (``break``/``continue`` count only inside one).
        self.loops = 0
        #: How many times the run could not follow Bash: a branch not taken because its
        #: condition is not known, a statement skipped... (a loop stops when it grows).
        self.uncertain = 0
        #: Variables whose value is not known: what skipped text may have assigned. Reading
        #: one is not interpreted, rather than read as empty.
        self.unknown: set[str] = set(UNKNOWN_SET)
        #: Variables known to be set and not empty though their values are not known (Bash's
        #: own: ``BASH_VERSION``...), in :attr:`unknown` too: ``[ -n "$X" ]`` is known.
        self.nonempty: set[str] = set(UNKNOWN_SET)
        #: Those of Bash's own variables whose values change by themselves (``SECONDS``...):
        #: still so after an assignment, no longer once unset.
        self.dynamic: set[str] = set(DYNAMIC)
        #: Bash's own variables of known value, the shell's and not the environment's.
        self.own: dict[str, str | None] = {
            **KNOWN, **{name: value for name, value in SET_IF_UNSET.items()
                        if host.getenv(name) is None}}
        #: Read-only variables: assigning one is Bash's error.
        self.readonly: set[str] = set(READONLY)
        #: Variables given an attribute not modelled (``declare -n``, ``-a`` with a value,
        #: ``-A``, ``local -i``, ``local -u``): what an assignment makes of their value is not
        #: known.
        self.attributed: set[str] = set()
        #: Variables given a case attribute (``declare -u``: ``^^``, ``-l``: ``,,``): each value
        #: assigned is changed to that case, as ``${X^^}`` changes it (:meth:`setenv`).
        self.cased: dict[str, str] = {}
        #: Variables given the integer attribute (``declare -i``): each value assigned is
        #: evaluated as arithmetic, ``+=`` adding to the value (:meth:`setenv`).
        self.integers: set[str] = set()
        #: The indexed arrays the script assigned (``a=(x y)``), their elements from 0 with
        #: none missing (what would leave a gap, ``unset 'a[1]'`` or ``a[5]=x``, is not
        #: interpreted); element 0 is the variable's value too (:meth:`getenv`), as Bash
        #: reads ``$a`` as ``${a[0]}``.
        self.arrays: dict[str, list[str]] = {}
        #: Variables declared arrays and never assigned (``declare -a x``): unset as Bash
        #: reads them, but variables all the same (``unset x`` spares a function x).
        self.declared: set[str] = set()
        #: Statements run so far (loops and calls repeat theirs): see MAX_STATEMENTS.
        self.statements = 0
        #: > 0 while a command of a pipeline runs (in a subshell of its own, in Bash).
        self.piped = 0
        #: IFS, a variable of the shell's own (None: unset): Bash takes none from the
        #: environment, it starts as space, tab and newline (:meth:`getenv`).
        self.ifs: str | None = _DEFAULT_IFS
        #: Whether ``shopt -s xpg_echo`` or ``set -o posix`` may have run (interpreted or
        #: not): then what ``echo`` makes of a backslash or an option is not known.
        self.xpg_echo = False
        #: What the task log's streams (:data:`_TASK_LOG`, :data:`_ERRORS`) have been sent
        #: after their last newline: the start of a line (:meth:`emit`); None when that
        #: start is not known (a command not interpreted ran after it).
        self.partial: dict[str, str | None] = {}
        #: What each command substitution running has captured, innermost last.
        self.captures: list[list[str]] = []
        #: How many times something not interpreted ran (:meth:`unsure_lines`).
        self.unsure = 0
        #: The status of the last command substitution (an assignment's status).
        self.substituted = 0
        #: Whether the script may define an alias or disable a builtin (``alias``,
        #: ``enable`` anywhere in it): what ``command -v`` prints is then not known.
        self.aliases_possible = False

    def getenv(self, name: str) -> str | None:
        """A variable's value (None: unset), IFS and :attr:`own` the shell's own."""
        if name == "IFS":
            return self.ifs
        return self.own[name] if name in self.own else self.host.getenv(name)

    def putenv(self, name: str, value: str | None) -> None:
        """Store a variable's value (None: unset it), IFS and :attr:`own` the shell's own."""
        if name == "IFS":
            self.ifs = value
        elif name in self.own:
            self.own[name] = value
        else:
            self.host.setenv(name, value)

    def forget(self, *names: str) -> None:
        """What ``names`` hold, and whether they are set, is no longer known."""
        self.unknown.update(names)
        self.nonempty.difference_update(names)
        self.declared.difference_update(names)
        for name in names:
            self.arrays.pop(name, None)

    def block(self, pieces: Sequence[str]) -> _Status:
        status: int | None = 0
        i = 0
        while i < len(pieces):
            self.count_statement(pieces[i])
            word = _first(pieces[i])
            if word == "if":
                status, i = yield from self.if_statement(pieces, i)
            elif word in _LOOPS:
                status, i = yield from self.loop(pieces, i)
            elif word == "case":
                status = yield from self.case_statement(pieces[i])
                i += 1
            elif m := _FUNCTION.match(pieces[i]):
                # A definition; `f()` alone: its body is the next piece.
                body = m.group("body").strip(_BASH_BLANKS)
                if not body and pieces[i + 1 : i + 2] and pieces[i + 1][:1] in "{(":
                    body = pieces[i + 1]
                    i += 1
                self.functions[m.group("keyword") or m.group("name")] = body
                i += 1
                status = 0
            else:
                errexit = self.errexit and not self.errexit_ignored
                status = yield from self.and_or(pieces[i], errexit=errexit)
                i += 1
            self.last = status
        return status

    def count_statement(self, text: str = "") -> None:
        """One more statement run, ``text``: beyond MAX_STATEMENTS, the script fails saying
        so."""
        self.count_work(text, 1)

    def count_work(self, text: str, statements: int = 0,
                   characters: int = STATEMENT_CHARACTERS) -> None:
        """Count ``statements`` and the work of ``text`` (one statement more for each
        ``characters`` characters) towards MAX_STATEMENTS."""
        self.statements += statements + len(text) // characters
        if self.statements > MAX_STATEMENTS:
            self.host.write(TOO_LONG, "error")
            raise _Limit(1, TOO_LONG)

    def if_statement(
        self, pieces: Sequence[str], i: int
    ) -> Generator[float, None, tuple[int | None, int]]:
        """``if C; then B; [elif C; then B;]... [else B;] fi`` from ``pieces[i]``."""
        end = _matching(pieces, i, "if", "fi")
        # The branches: (condition pieces or None for else, body pieces).
        branches: list[tuple[list[str] | None, list[str]]] = []
        condition: list[str] | None = [pieces[i][2:].strip(_BASH_BLANKS)]
        body: list[str] = []
        in_body, depth = False, 0
        for piece in pieces[i + 1 : end]:
            word = _first(piece)
            if depth == 0 and word == "then":
                in_body = True
                continue
            if depth == 0 and word in ("elif", "else"):
                branches.append((condition, body))
                condition = [piece[4:].strip(_BASH_BLANKS)] if word == "elif" else None
                body, in_body = [], word == "else"
                continue
            depth += (word == "if") - (word == "fi")
            if in_body or condition is None:
                body.append(piece)
            else:
                condition.append(piece)
        branches.append((condition, body))
        for k, (cond, branch) in enumerate(branches):
            if cond is not None:
                chosen = yield from self.condition(cond)
                if chosen is None:
                    self.skipped(*(piece for _, b in branches for piece in b))
                    # nothing not run may have ended the shell: the branches, their conditions
                    later = branches[k:]
                    self.unfollowed([piece for _, b in later for piece in b],
                                    [piece for c, _ in later[1:] for piece in c or ()])
                    return None, end + 1  # which branch runs is not known: none does
                if not chosen:
                    continue
            status = yield from self.block(branch)
            return status, end + 1
        return 0, end + 1

    def condition(self, pieces: list[str]) -> Generator[float, None, bool | None]:
        """Run an ``if``/``elif`` condition: True/False, or None when its status is not
        known."""
        status: int | None = 0
        self.errexit_ignored += 1
        try:
            for piece in pieces:
                self.count_work(piece)  # a loop tests its condition again and again
                status = yield from self.and_or(piece, errexit=False)
        finally:
            self.errexit_ignored -= 1
        return None if status is None else status == 0

    def skipped(self, *texts: str) -> None:
        """The run could not follow Bash through ``texts``: count it (a loop stops), and
        forget every variable they may assign (``X=...``, ``export``/``local``/``readonly``
        ``X=...``, ``${X:=v}``, ``read X``, ``for X``)."""
        self.uncertain += 1
        self.unsure_lines()
        for text in texts:
            for m in _EXPANDED_BODY_NAMES.finditer(text):  # a here-document's expansions
                self.forget(*(name for name in m.group(1).split(",") if name))
            self.forget(*(m.group(1) or m.group(2) for m in _ASSIGNED.finditer(text)))
            self.forget(*(m.group(1) for m in _DEFAULT_ASSIGNED.finditer(text)))
            if _ARITHMETIC_TEXT.search(text):  # ((i++)), let i+=1, $((i = 2)), for ((...))
                self.forget(*(m.group(1) or m.group(2) for m in ARITHMETIC_TARGET.finditer(text)))
                self.forget(*(m.group(1) for m in _SUBSCRIPT_NAME.finditer(text)))
            for m in _MAPFILE.finditer(text):
                self.forget("MAPFILE", *(word for word in m.group(1).split()
                                         if re.fullmatch(SH_NAME, word)))
            self.forget(*(m.group(1) for m in _PRINTF_NAME.finditer(text)))
            for m in _READ.finditer(text):
                names = [w for w in m.group(1).split() if not w.startswith("-")]
                self.forget(*(names or ["REPLY"]))
            for m in _DECLARED.finditer(text):
                self.declared_somewhere(m.group("builtin"), m.group("args").split())
            if "=~" in text:  # [[ x =~ re ]] sets BASH_REMATCH
                self.forget(_REMATCH)
            if _first(text) in ("cd", "pushd", "popd"):
                self.forget("PWD", "OLDPWD")
            for m in _GETOPTS.finditer(text):
                self.forget(m.group(1), "OPTARG", "OPTIND")
            if "xpg_echo" in text or "posix" in text:
                self.xpg_echo = True

    def declared_somewhere(self, builtin: str, args: Sequence[str]) -> None:
        """``builtin`` (``declare``, ``local``, ``readonly``, ``unset``...) with ``args`` ran,
        or may have, not followed: its names' values are not known, and with options (or as
        ``readonly``) they may have an attribute or be read-only."""
        # a name as written, quoted or with a subscript too: `unset "a[1]"`, `local -a l=(...)`
        names = [m.group(1) for arg in args if not arg.startswith(("-", "+"))
                 if (m := re.match(rf"['\"]?({SH_NAME})(?![\w])", arg)) is not None]
        self.forget(*names)
        options = "".join(arg[1:] for arg in args if arg.startswith(("-", "+")))
        if builtin == "readonly" or "r" in options:
            self.readonly.update(names)
        if builtin != "unset" and options.strip("-grx"):
            self.attributed.update(names)

    def unfollowed(self, pieces: Sequence[str], conditions: Sequence[str] = ()) -> None:
        """Raise :class:`_Unfollowed` when the statements ``pieces`` or the conditions
        ``conditions``, which the run did not follow (the branches of an ``if`` whose
        condition is not known, a loop's rounds), may have ended the shell
        (:meth:`may_end`)."""
        if self.may_end(pieces, conditions, errexit=self.errexit and not self.errexit_ignored):
            raise _Unfollowed

    def may_end(self, pieces: Sequence[str], conditions: Sequence[str] = (), *,
                errexit: bool) -> bool:
        """Whether the statements ``pieces`` or the conditions ``conditions`` may end the
        shell: an ``exit`` or another command that may (:meth:`cannot_end`), or with
        ``errexit`` (``set -e`` applying there) a command whose failure would end it
        (:meth:`succeeds`; a condition's is spared). A ``case`` or a function's definition
        there is not read: it may."""
        for piece in pieces:
            word = _first(piece)
            if word in ("then", "else", "do", "done", "fi"):
                continue
            if word in ("if", "elif", "while", "until"):
                conditions = [*conditions, piece[len(word) :]]
                continue
            if word in ("for", "select"):
                if "((" in piece or ("$" in piece and (
                        self.nounset or _MAY_FAIL_EXPANSION.search(piece))):
                    return True
                continue
            if word == "case" or _FUNCTION.match(piece):
                return True
            parts = _and_or_parts(piece)[0]
            if not all(self.cannot_end(part) for part in parts[:-1]) or not (
                    self.succeeds(parts[-1]) if errexit else self.cannot_end(parts[-1])):
                return True
        return not all(self.cannot_end(part) for condition in conditions
                       for part in _and_or_parts(condition)[0])

    def cannot_end(self, command: str, *, errexit: bool = False) -> bool:
        """Whether the pipeline ``command``, run or not, cannot end the shell whatever its
        status: no ``exit``, ``return``, ``exec``, ``fail_step``, function of the script or
        other builtin in :data:`_MAY_END`, and no expansion that may fail (``${X:?}``,
        ``$((1/0))``, any under ``set -u``); a group's commands neither (with ``errexit``:
        nor may fail under ``set -e``). The commands of a pipeline of two or more, and a
        subshell, run in a subshell: they end only it."""
        text = command.strip(_BASH_BLANKS)
        while _first(text) in ("!", "time"):
            text = text[len(_first(text)) :].strip(_BASH_BLANKS)
            if text.startswith("-p"):
                text = text[2:].strip(_BASH_BLANKS)
        stages = _stages(text)
        if len(stages) > 1 or (text.startswith("(") and not text.startswith("((")):
            return True
        if text.startswith("(("):  # an arithmetic command's error is its status 1, but for
            return "$" not in text  # an expansion's in it: $((1/0)) there is fatal
        if text.startswith("{"):
            close = sh_group_end(text)
            if close is None or text[close] != "}":
                return False
            after = text[close + 1 :].strip(_BASH_BLANKS)  # its redirections
            if after and (not self.cannot_end(after)
                          or (errexit and not _safe_redirections(_words(after)))):
                return False
            return not self.may_end(_statements(text[1:close]), errexit=errexit)
        if not text or text[0] == "(" or _first(text) in _MAY_END_WORDS:
            return False
        if _EXPANDED_BODY in text:  # a here-document's body Bash expands: ${X:?}, set -u...
            return False
        if "$" in text and (self.nounset or _MAY_FAIL_EXPANSION.search(text)
                            or not self.arithmetic_cannot_fail(text)):
            return False
        words = strip_sudo([w for w in _words(text) if not _ASSIGNMENT_LIKE.match(w)])
        name = words[0] if words else ""
        return not (name in _MAY_END or name in self.functions
                    or any(c in name for c in "$`'\"\\"))

    def arithmetic_cannot_fail(self, text: str) -> bool:
        """Whether each ``$((...))`` in ``text`` is one Bash evaluates without its (fatal)
        error, evaluated here on the values known now: no ``$`` in it, a division by 0, a
        variable whose value is not known or holds no integer, nothing not interpreted."""
        for m in re.finditer(r"\$\(\(", text):
            try:
                inner = sh_closing(text, m.start() + 2)
                expression = text[m.end() : inner]
                if "$" in expression or "`" in expression:
                    return False
                arithmetic(expression, self.arithmetic_value)
            except (Unknown, ScriptExit):
                return False
        return True

    def succeeds(self, command: str) -> bool:
        """Whether the pipeline ``command`` cannot end the shell and, under ``set -e``, its
        status cannot end it either: ``true``, ``:``, ``echo`` (its output to the task log,
        a descriptor or ``/dev/null``), an assignment without a command substitution, an
        inverted command (``! cmd``, which ``set -e`` spares), a group none of whose
        commands may end it."""
        text = command.strip(_BASH_BLANKS)
        if _first(text) == "!":
            return self.cannot_end(text)
        if text.startswith("{"):
            return self.cannot_end(text, errexit=True)
        stages = _stages(text)
        if not self.cannot_end(text) or (self.pipefail and len(stages) > 1):
            return False
        words = list(_words(stages[-1]))
        if all(_ASSIGNMENT_LIKE.match(w) for w in words):
            return not _OTHER_SUBSTITUTION.search(text)
        return words[0] in ("true", ":", "echo") and _safe_redirections(words)

    # -- loops -----------------------------------------------------------------------------------
    def loop(self, pieces: Sequence[str], i: int
             ) -> Generator[float, None, tuple[int | None, int]]:
        """``for``/``while``/``until`` ... ``do`` ... ``done`` from ``pieces[i]``. A loop it
        cannot run (``select``, a ``done`` followed by more, which :func:`_take` makes a
        group) is skipped whole: its status is not known."""
        word = _first(pieces[i])
        end = _matching(pieces, i, word, "done")
        do = next((j for j in range(i + 1, end) if pieces[j] == "do"), None)
        if word == "select" or do is None or pieces[end] != "done":
            self.skipped(*pieces[i : end + 1])
            self.unfollowed(pieces[i : end + 1])
            return None, end + 1
        header, body = list(pieces[i:do]), list(pieces[do + 1 : end])
        if word == "for":
            status = yield from self.for_loop(header, body)
        else:
            condition = [p for p in [header[0][len(word):].strip(_BASH_BLANKS), *header[1:]] if p]
            status = yield from self.while_loop(condition, body, until=word == "until")
        if status is None:  # not run, or stopped: its rounds not followed
            self.skipped(*pieces[i : end + 1])
            self.unfollowed(pieces[i : end + 1])
        return status, end + 1

    def for_loop(self, header: list[str], body: list[str]) -> _Status:
        """``for X in WORDS``: the words expanded and split as Bash does (a word Bash would
        expand as a file name pattern, ``{a,b}`` or ``~``: not interpreted); ``for X``: the
        arguments."""
        if len(header) == 1 and (arithmetic_for := _ARITHMETIC_FOR.match(header[0])):
            return (yield from self.arithmetic_for(arithmetic_for.group("inner"), body))
        m = _FOR.match(header[0]) if len(header) == 1 else None
        if m is None:
            return None
        try:
            values = (self.loop_words(m.group("words") or "") if m.group("in")
                      else list(self.arguments()))
        except Unknown:
            return None
        status: int | None = 0
        for value in values:
            self.setenv(m.group("name"), value)
            status, stop = yield from self.iteration(body)
            if stop:
                break
        return status

    def arithmetic_for(self, inner: str, body: list[str]) -> _Status:
        """``for ((INIT; CONDITION; STEP))``: Bash's arithmetic (an expression left out is
        true); each round counts as a statement, so a loop without end fails the script
        with TOO_LONG. An expression it cannot evaluate stops the loop there, its status
        not known."""
        parts = sh_split(inner, _SEMICOLON)
        if len(parts) != 3:
            return None
        init, condition, step = (part.strip() or "1" for part in parts)  # left out: true
        status: int | None = 0
        if self.evaluated(init) is None:
            return None
        while True:
            self.count_statement(inner)
            holds = self.evaluated(condition)
            if not holds:
                return None if holds is None else status
            status, stop = yield from self.iteration(body)
            if stop or self.evaluated(step) is None:
                return None if not stop else status

    def loop_words(self, text: str) -> list[str]:
        """The words a ``for`` loops over. Raises Unknown for file name patterns, brace
        expansion and ``~``: the simulator has no file system."""
        for raw in split_words(text):
            bare = _unquoted_text(raw)
            if bare.startswith("~") or ("{" in bare and ("," in bare or ".." in bare)):
                raise Unknown(raw)
        cmd = self.expand(text, command=False)
        if cmd.redirected:
            raise Unknown(text)
        for word, form in zip(cmd.words, cmd.forms, strict=True):
            if form != "quoted" and any(c in word for c in "*?["):
                raise Unknown(word)
        return cmd.words

    def while_loop(self, condition: list[str], body: list[str], *, until: bool) -> _Status:
        """``while``/``until``: runs while its condition is known and holds (fails) and the
        body is known to run as Bash runs it; stops loudly after MAX_LOOP_ITERATIONS."""
        status: int | None = 0
        iterations = 0
        while True:
            holds = yield from self.condition(condition)
            if holds is None:
                return None  # whether it runs (again) is not known
            if holds == until:
                return status
            if iterations == MAX_LOOP_ITERATIONS:
                self.fail_loudly(
                    f"The simulator stops this loop after {MAX_LOOP_ITERATIONS:,} iterations: "
                    f"'{'until' if until else 'while'} {'; '.join(condition)}' has not ended.")
            iterations += 1
            status, stop = yield from self.iteration(body)
            if stop:
                return status

    def iteration(self, body: list[str]) -> Generator[float, None, tuple[int | None, bool]]:
        """One run of a loop's body: its status and whether the loop ends (``break``, or a
        branch, statement or command changing the shell that could not be interpreted:
        what the loop does next is not known, so its status is None)."""
        self.loops += 1
        uncertain = self.uncertain
        try:
            status = yield from self.block(body)
        except _Continue as skip:
            if skip.levels > 1:
                raise _Continue(skip.levels - 1) from None
            status = 0
        except _Break as stop:
            if stop.levels > 1:
                raise _Break(stop.levels - 1, stop.status) from None
            return stop.status, True
        finally:
            self.loops -= 1
        if self.uncertain != uncertain:
            return None, True
        return status, False

    def fail_loudly(self, message: str) -> None:
        """A limit of the simulator: the script fails with ``message`` as its Error line."""
        self.host.write(message, "error")
        raise _Limit(1, message)

    # -- case ----------------------------------------------------------------------------------
    def case_statement(self, piece: str) -> _Status:
        """``case WORD in PATTERNS) BODY ;; ... esac``: the first clause with a pattern
        matching WORD runs (``;&`` runs the next body too, ``;;&`` goes on testing). A word
        or pattern it cannot evaluate runs no clause: the status is not known."""
        case = _case_statement(piece)
        if case is None:
            self.skipped(piece)
            self.unfollowed([piece])
            return None  # redirected, piped, malformed
        try:
            if _tilde(case.word):
                raise Unknown(case.word)  # the home directory
            subject = self.word(case.word)
        except Unknown:
            self.skipped(piece)
            self.unfollowed([p for c in case.clauses for p in _statements(c.body)])
            return None
        return (yield from self.case_clauses(case, subject))

    def case_clauses(self, case: CaseStatement, subject: str) -> _Status:
        status: int | None = 0
        run_next = False
        for clause in case.clauses:
            if not run_next:
                try:
                    if not any(self.case_match(subject, p) for p in clause.patterns):
                        continue
                except Unknown:
                    self.skipped(*(c.body for c in case.clauses))
                    self.unfollowed([p for c in case.clauses for p in _statements(c.body)])
                    return None
            status = yield from self.block(_statements(clause.body))
            run_next = clause.terminator == ";&"
            if clause.terminator == ";;":
                return status
        return status

    def case_match(self, subject: str, raw: str) -> bool:
        """Whether ``subject`` matches the pattern ``raw`` as written, read as the pattern of
        ``${X#p}`` is (:func:`_glob`: what it refuses is unknown here too), but with any
        number of ``*``."""
        return self.whole_match(subject, self.pattern(_segment_list(raw)))

    def whole_match(self, subject: str, segments: Sequence[tuple[str, str]]) -> bool:
        """Whether ``subject`` matches the expanded pattern ``segments`` whole (a ``case``
        pattern, ``[[ ]]``'s right-hand side of ``==``); the match counts one statement per
        50 characters of ``subject``."""
        glob = _glob(segments, subject, whole=True)
        self.count_work(subject)
        return glob.fullmatch(subject) is not None

    # -- functions -----------------------------------------------------------------------------
    def arguments(self) -> list[str]:
        """``$1``...: the innermost function call's; the script's own (none, but after ``set
        -- ARGS``) outside one."""
        return self.frames[-1].args if self.frames else self.script_args

    def call(self, name: str, args: list[str], assignments: list[tuple[str, str]]) -> _Status:
        """Run function ``name`` with ``args`` (``X=v f``: X only for the call), its output
        where the call sends it. Its status is its last command's, or ``return``'s."""
        if len(self.frames) >= MAX_FUNCTION_NESTING:
            self.fail_loudly(f"{name}: maximum function nesting level exceeded "
                             f"({MAX_FUNCTION_NESTING}): the simulator follows no deeper calls.")
        body = self.functions[name]
        if body[:1] not in ("{", "("):
            raise Unknown(body)  # `f() if ...; fi` and other bodies: not interpreted
        frame = _Frame(list(args), function=name)
        self.frames.append(frame)
        self.scopes += 1
        loops = self.loops
        self.loops = 0  # the caller's loops are not the function's to break
        try:
            for variable, assigned in assignments:
                self.local(variable, assigned)
            return (yield from self.compound(body))
        except _Return as done:
            return done.status
        finally:
            self.frames.pop()
            self.scopes -= 1
            self.readonly -= frame.readonly
            for variable, value in frame.hidden.items():
                self.arrays.pop(variable, None)  # a local made an array: gone with the call
                self.setenv(variable, value)
            self.loops = loops

    def check_trace(self, fds: dict[int, tuple[str, bool]]) -> None:
        """Under ``set -x``/``-v``, errors sent to the task log's lines (``2>&1``) would put
        Bash's trace among them: what follows is not followed."""
        if (self.xtrace or self.verbose) and fds[2][0] == _TASK_LOG:
            raise _Unfollowed

    def opened(self, fds: dict[int, tuple[str, bool]]) -> dict[int, tuple[str, bool]]:
        """``fds`` as a command, group or call runs with them: ``> /etc/environment``
        truncates it once, as Bash opens it once, and what follows appends."""
        self.check_trace(fds)
        if (ETC_ENVIRONMENT, False) in fds.values():
            self.to_etc_environment([], append=False)
        return {fd: (target, True) for fd, (target, _) in fds.items()}

    def local(self, name: str, value: str | None) -> None:
        """Make ``name`` the innermost call's own: its value outside comes back on return."""
        hidden = self.frames[-1].hidden
        if (name in self.arrays or name in self.declared or name in self.cased
                or name in self.integers) and name not in hidden:
            raise Unknown(name)  # an array, or a case attribute, hidden by a local
        if name not in hidden:
            hidden[name] = self.getenv(name)
        self.setenv(name, value)

    def function_builtin(self, name: str, args: list[str]) -> int | None:
        """``return``, ``local``, ``shift``, ``break``, ``continue``; None when not
        interpreted (``break 0``...). ``return`` outside a function ends the script, as
        Calamari sources it (``source script.sh`` in its Bootstrap.sh): Bash's ``can only
        `return' from a function or sourced script`` is not the Tentacle's."""
        if name == "return":  # in the script itself too: Calamari sources it
            if args and not (re.fullmatch(r"[-+]?[0-9]+", args[0]) and fits_int64(args[0])):
                self.error(f"return: {args[0]}: numeric argument required")
                raise _Return(2)
            if len(args) > 1:
                # What Bash does in a sourced script (Calamari's), in a function too: the
                # script ends, status 1 (in a subshell: the subshell).
                self.error("return: too many arguments")
                raise ScriptExit(1)
            raise _Return(int(args[0]) % 256 if args else self.last)
        if name == "local":
            if not self.frames:
                self.error("local: can only be used in a function")
                return 1
            return self.declaration(name, args)
        if name == "shift":
            count = args[0] if args else "1"
            if not (ascii_digits(count) and fits_int64(count)):
                return None
            if int(count) > len(self.arguments()):
                return 1
            del self.arguments()[: int(count)]
            return 0
        # break, continue
        if self.loops == 0:
            self.error(f"{name}: only meaningful in a `for', `while', or `until' loop")
            return 0
        if args and not (re.fullmatch(r"[-+]?[0-9]+", args[0]) and fits_int64(args[0])):
            # Bash's fatal error: it ends the script (a subshell, only that) with 128
            self.error(f"{name}: {args[0]}: numeric argument required")
            raise ScriptExit(128)
        if args and int(args[0]) <= 0:  # Bash ends every enclosing loop, status 1
            self.error(f"{name}: {args[0]}: loop count out of range")
            raise _Break(self.loops, 1)
        levels = min(int(args[0]) if args else 1, self.loops)
        raise (_Break if name == "break" else _Continue)(levels)

    def and_or(self, piece: str, *, errexit: bool) -> _Status:
        """A list: commands joined by ``&&``/``||``. Under ``set -e`` a failure of the last
        command run ends the script, unless a ``&&``/``||`` follows it. When a status is not
        known, whether the rest runs is not known either: none of it runs."""
        if piece.endswith("&") and not piece.endswith("&&"):
            return 0  # runs detached: its output and status never reach the script
        parts, ops = _and_or_parts(piece)
        status = yield from self.list_part(parts[0], final=len(parts) == 1)
        last_run = 0
        for k, (op, part) in enumerate(zip(ops, parts[1:], strict=False), start=1):
            if status is None:
                self.skipped(*parts[k:])  # whether the rest runs is not known
                break
            if (op == "&&") == (status == 0):
                status = yield from self.list_part(part, final=k == len(parts) - 1)
                last_run = k
        # `! cmd` is spared, as in Bash, and so is a group (`{ ...; }`, and the `if`, loop or
        # `case` standing in a list, run as one): its status is its last command's, which
        # ended the script already unless `set -e` spared it (`{ false && x; }` goes on).
        spared = _first(parts[last_run].strip(_BASH_BLANKS)) in ("!", "{")
        if errexit and status and last_run == len(parts) - 1 and not spared:
            raise ScriptExit(status)
        if status is None and last_run < len(parts) - 1:
            # the parts not run may have ended the shell (an `exit`, a failing last command
            # under set -e): then what follows is not known
            rest = parts[last_run + 1 :]
            if not all(self.cannot_end(part) for part in rest[:-1]) or not (
                    self.succeeds(rest[-1]) if errexit else self.cannot_end(rest[-1])):
                raise _Unfollowed
            if ops[-1] == "||" and self.succeeds(rest[-1]):
                status = 0  # `cmd || true`: either cmd succeeded or the last part ran
        elif status is None and errexit and not spared and not self.succeeds(parts[-1]):
            raise _Unfollowed  # set -e: whether this status ends the script is not known
        return status

    def list_part(self, text: str, *, final: bool) -> _Status:
        """A pipeline of an ``&&``/``||`` list: ``set -e`` counts only in the last one."""
        if final:
            return (yield from self.pipeline(text))
        self.errexit_ignored += 1
        try:
            return (yield from self.pipeline(text))
        finally:
            self.errexit_ignored -= 1

    def pipeline(self, text: str) -> _Status:
        """A pipeline (only its last command runs, but for ``echo ... | tee``); its status
        is ``$?``."""
        text = text.strip(_BASH_BLANKS)
        negate = _first(text) == "!"
        if negate:
            text = text[1:].strip(_BASH_BLANKS)
        stages = _stages(text)
        status: int | None
        self.errexit_ignored += negate  # `! cmd`: set -e spares it, and what it runs
        try:
            status = yield from self.stages(text, stages)
        except _RedirectFailure as failure:  # the command did not run
            if _may_assign(text):
                # `x=1 >&3` assigns x, `echo >&3 $((i++))` counts i up: Bash expands the
                # words before it fails; what it assigns then is not followed
                self.skipped(text)
                status = None
            else:
                self.emit(failure.message + "\n", failure.errors)
                status = 1
        except Unknown:
            if len(stages) == 1 and _first(text) == "exit":
                # `exit $?` after a command not interpreted: the script ends, and its code,
                # as for any status not known, counts as success.
                raise ScriptExit(0) from None
            if len(stages) == 1 and _first(text) == "return":
                raise _Return(None) from None  # `return $?`: it returns, status not known
            ends = not self.cannot_end(text)  # on the values it was run with
            self.skipped(text)  # a statement skipped whole: an assignment, an exit...
            if ends:
                raise _Unfollowed from None  # `fail_step "$(date)"`: it may have ended it
            status = None
        finally:
            self.errexit_ignored -= negate
        if self.pipefail and len(stages) > 1 and status is not None:
            statuses = [*(_stage_status(stage) for stage in stages[:-1]), status]
            status = None if None in statuses else next(
                (code for code in reversed(statuses) if code), 0)
        if negate and status is not None:
            status = int(status == 0)
        self.last = status
        return status

    def stages(self, text: str, stages: Sequence[str]) -> _Status:
        if _first(text) == "time":
            raise Unknown(text)  # Bash's timing on its errors: `time` is not interpreted
        if len(stages) == 1 and text.startswith("(("):
            return self.arithmetic_command(text)
        if any(stage.strip(_BASH_BLANKS)[:1] in ("{", "(") for stage in stages):
            if len(stages) > 1:
                raise Unknown(text)  # a group in a pipeline: not interpreted
            return (yield from self.compound(text))
        piped = int(len(stages) > 1)
        self.piped += piped  # each command of a pipeline runs in a subshell
        try:
            if not piped:
                return (yield from self.command(stages[-1]))
            return (yield from self.last_stage(stages))
        finally:
            self.piped -= piped

    def last_stage(self, stages: Sequence[str]) -> _Status:
        """The last command of a pipeline, run (as Bash runs it) in a subshell: what it
        assigns, exports, unsets or sets (``| X=2``, ``| set +e``) is lost with it, its
        ``exit``, ``return`` or ``set -u`` error ends only that subshell, and its ``break``
        or ``continue`` leaves the loops around the pipeline alone (status 0)."""
        try:
            return (yield from self.isolated(self.run_last_stage(stages)))
        except _Break:
            return 0

    def run_last_stage(self, stages: Sequence[str]) -> _Status:
        if len(stages) == 2 and self.tee(stages[0], stages[1]):
            return 0
        return (yield from self.command(stages[-1], piped=True))

    def command(self, text: str, *, piped: bool = False) -> _Status:
        """A simple command, or a ``[[ ]]`` (whose words Bash expands only as it evaluates
        them)."""
        if (known := self.emptiness_test(text)) is not None:
            return known
        if _first(text) == "[[":
            return self.conditional(text)
        if _ARRAY_STATEMENT.match(text):
            return self.array_assignment(text, piped=piped)
        words = list(_words(text))
        if len(words) == 1 and (m := _ELEMENT_ASSIGNMENT.fullmatch(words[0])) is not None:
            return self.element_assignment(m, piped=piped)
        if _first(text) in ("mapfile", "readarray"):
            return self.mapfile(text, piped=piped)
        return (yield from self.simple(self.expand(text), piped=piped))

    def array_assignment(self, text: str, *, piped: bool) -> int:
        """``NAME=(WORDS)``: NAME becomes an indexed array of WORDS, expanded and split as a
        ``for`` loop's (:meth:`loop_words`); ``NAME+=(WORDS)`` appends them to NAME's elements
        (a variable not an array: its value is element 0). Status 0. Raises Unknown for
        anything else on the line (another word, a redirection), in a pipeline, for a word
        with a subscript (``[1]=x``) or a comment, and for a name the interpreter cannot
        follow as an array (:meth:`elements`)."""
        m = _ARRAY_STATEMENT.match(text)
        assert m is not None
        close = sh_closing(text, m.end() - 1)
        inner = text[m.end() : close]
        if piped or text[close + 1 :].strip(_BASH_BLANKS) or any(
                raw.startswith(("#", "[")) for raw in _words(inner)):
            raise Unknown(text)
        name = m.group(1)
        if (name in ARRAYS or name in self.own or name in self.dynamic
                or name in self.attributed or name in self.cased or name in self.integers
                or name == "IFS"):
            raise Unknown(text)  # Bash's own arrays and variables, attributes
        elements = self.elements(name) if m.group(2) else []
        self.set_array(name, [*elements, *self.loop_words(inner)])
        return 0

    def mapfile(self, text: str, *, piped: bool) -> int:
        """``mapfile [-t] NAME <<< WORD`` (``readarray`` too): NAME the indexed array of the
        here-string's lines (WORD's value and a newline), each with its newline or, ``-t``,
        without. Raises Unknown for any other form (another option, input from elsewhere,
        ``MAPFILE`` by default, a redirection), in a pipeline, for a WORD not quoted whole
        (Bash versions split it or not) or whose expansion may assign or fail, and for a
        NAME :meth:`array_assignment` refuses or read-only (Bash's error is mapfile's)."""
        words = list(_words(text))[1:]
        trim = words[:1] == ["-t"]
        words = words[1:] if trim else words
        if len(words) == 3 and words[1] == "<<<":
            name, raw = words[0], words[2]
        elif len(words) == 2 and words[1].startswith("<<<") and len(words[1]) > 3:
            name, raw = words[0], words[1][3:]
        else:
            raise Unknown(text)
        if (piped or not re.fullmatch(SH_NAME, name) or name in ARRAYS or name in self.own
                or name in self.dynamic or name in self.attributed or name in self.readonly
                or name in self.cased or name in self.integers or name == "IFS"
                or not self.pure(raw)
                or any(kind == "bare" for kind, _ in _segment_list(raw))):
            raise Unknown(text)
        lines = (self.word(raw) + "\n").split("\n")[:-1]
        self.set_array(name, lines if trim else [line + "\n" for line in lines])
        return 0

    def element_assignment(self, m: re.Match[str], *, piped: bool) -> int:
        """``a[I]=v`` (``+=``: appended to the element) as a statement of its own: v expanded
        as an assignment's, then I evaluated as Bash's arithmetic, negative from the end (a
        variable not an array, or unset, as an array of its elements); element I set, or
        one more appended. Status 0. Before the first: Bash's ``a[I]: bad array subscript``,
        which abandons the command Bash was reading: what follows is not followed. Raises
        Unknown beyond one past the last (the array would have a gap), for a subscript
        :meth:`element` refuses, a value holding a command substitution (its status), in a
        pipeline, and for a name :meth:`array_assignment` refuses."""
        name, index, append, raw = m.groups()
        if (piped or name in ARRAYS or name in self.own or name in self.dynamic
                or name in self.attributed or name in self.cased or name in self.integers
                or name == "IFS" or not index.strip(_BASH_BLANKS)
                or _SUBSCRIPT_REFUSED.search(index) or _SUBSTITUTION.search(raw)):
            raise Unknown(m.group(0))
        _, value = self.assignment(f"{name}={raw}")  # Bash expands it before the subscript
        if name in self.readonly:
            if not ascii_digits(index):
                raise Unknown(m.group(0))  # which of two errors Bash reports first
            self.error(f"{name}: readonly variable")
            raise _Unfollowed
        elements = list(self.elements(name))
        position = self.evaluate(index)
        if position < 0:
            position += len(elements)
        if position < 0:
            self.error(f"{name}[{index}]: bad array subscript")
            raise _Unfollowed
        if position > len(elements):
            raise Unknown(m.group(0))  # a gap: sparse arrays are not modelled
        if append and position < len(elements):
            value = elements[position] + value
        self.set_array(name, [*elements[:position], value, *elements[position + 1 :]])
        return 0

    def set_array(self, name: str, elements: list[str]) -> None:
        """Make ``name`` the indexed array of ``elements`` (as :meth:`setenv` sets a
        variable: a read-only one is Bash's error, a subshell's end puts back the old)."""
        if name in self.readonly:
            self.error(f"{name}: readonly variable")
            raise _Unfollowed
        if sum(map(len, elements)) + len(elements) > MAX_VALUE_LENGTH:
            raise Unknown(name)  # an array doubled in a loop: not followed (memory)
        self.setenv(name, elements[0] if elements else None)
        self.arrays[name] = elements

    def elements(self, name: str) -> list[str]:
        """The elements of ``name`` as an indexed array: an array's, a variable's value
        (Bash's ``${x[@]}`` of a variable set), none for a variable unset. Raises Unknown
        for Bash's own arrays (``FUNCNAME``...) and a variable not known or given an
        attribute (``declare -A``...)."""
        if name in ARRAYS or name in self.attributed:
            raise Unknown(name)
        if name in self.arrays:
            return self.arrays[name]
        value = self.value_of(name)
        return [] if value is None else [value]

    def emptiness_test(self, text: str) -> int | None:
        """The status of ``[ -n "$X" ]``, ``[ -z "$X" ]``, ``[ "$X" ]`` (``test``, ``[[ ]]``
        and ``!`` too) on a variable known to be set and not empty whose value is not known
        (:attr:`nonempty`: ``BASH_VERSION``...); None for any other command."""
        words = list(_words(text))
        if words[:1] == ["["] and words[-1:] == ["]"]:
            words, bare = words[1:-1], False
        elif words[:1] == ["[["] and words[-1:] == ["]]"]:
            words, bare = words[1:-1], True  # not split there
        elif words[:1] == ["test"]:
            words, bare = words[1:], False
        else:
            return None
        negations = 0
        while len(words) > 1 and words[0] == "!":
            words, negations = words[1:], negations + 1
        m = _PLAIN_PARAMETER.fullmatch(words[-1]) if words else None
        if (m is None or len(words) > 2 or words[:-1] not in ([], ["-n"], ["-z"])
                or (not bare and not m.group("quote"))):
            return None
        if (m.group("name") or m.group("braced")) not in self.nonempty:
            return None
        empty = words[0] == "-z"
        return int(empty != bool(negations % 2))

    def conditional(self, text: str) -> int:
        """``[[ EXPRESSION ]]``: 0 when true, else 1 (:func:`test_expression`, its words
        read by :class:`_Conditional`). Raises Unknown for a redirection after ``]]``, a
        ``]]`` before the last (Bash's first ends it), a ``(`` or ``)`` written against
        another word (each a word of its own to Bash, but in a regular expression after
        ``=~``) and what :func:`test_expression` does not evaluate."""
        raws = _words(text)
        words = list(raws[1:-1])
        glued = any(_glued_bracket(raw) for before, raw in itertools.pairwise(["", *words])
                    if before != "=~")
        if "=~" in words:
            # Bash sets the array BASH_REMATCH: the match and its groups, by POSIX's longest
            # match (Python's re takes the first): not modelled
            self.forget(_REMATCH)
        if raws[-1] != "]]" or "]]" in words or glued:
            raise Unknown(text)
        return 0 if test_expression(words, _Conditional(self, words)) else 1

    def pure(self, raw: str) -> bool:
        """Whether expanding the word ``raw`` can neither assign (``${X:=v}``,
        ``$((i++))``) nor fail (``${X:?}``, ``set -u``)."""
        if "$" not in raw and "`" not in raw:
            return True
        return not (self.nounset or _MAY_FAIL.search(raw) or _may_assign(raw)
                    or _OTHER_SUBSTITUTION.search(raw))  # its commands' errors

    def arithmetic_command(self, text: str) -> int:
        """``(( EXPRESSION ))``: status 0 when its value is not 0, else 1, as Bash's."""
        inner = sh_closing(text, 1)
        if text[inner + 1 : inner + 2] != ")" or text[inner + 2 :].strip(_BASH_BLANKS):
            raise Unknown(text)  # `( (cmd) )`, a redirection: not interpreted
        return int(self.evaluate(text[2:inner]) == 0)

    def let(self, args: list[str]) -> int:
        """``let EXPRESSION...``: each evaluated in turn; status 0 when the last one's value
        is not 0, else 1. Its assignments are made when all of them could be evaluated."""
        if not args:
            self.error("let: expression expected")
            return 1
        assigned: dict[str, int] = {}

        def lookup(name: str) -> str | None:
            return str(assigned[name]) if name in assigned else self.arithmetic_value(name)

        value = 0
        for arg in args:
            value, made = arithmetic(arg, lookup)
            assigned.update(made)
        self.assign(assigned)
        return int(value == 0)

    def evaluate(self, expression: str) -> int:
        """Bash's arithmetic on ``expression`` (``$X`` expanded first), its assignments made."""
        self.count_work(expression, characters=ARITHMETIC_CHARACTERS)
        # Bash reads the expression as if in double quotes
        value, assigned = arithmetic(self.variables(expression, quoted=True),
                                     self.arithmetic_value)
        self.assign(assigned)
        return value

    def arithmetic_of(self, value: str) -> int:
        """Bash's arithmetic on an expanded ``value`` (a ``[[ ]]`` operand of ``-eq``...),
        its assignments made."""
        self.count_work(value, characters=ARITHMETIC_CHARACTERS)
        result, assigned = arithmetic(value, self.arithmetic_value)
        self.assign(assigned)
        return result

    def evaluated(self, expression: str) -> int | None:
        """:meth:`evaluate`, or None when it cannot be evaluated."""
        try:
            return self.evaluate(expression)
        except Unknown:
            return None

    def assign(self, assigned: dict[str, int]) -> None:
        """Set what arithmetic assigned, but in a pipeline's subshell: there it is lost."""
        if self.piped:
            return
        for name, value in assigned.items():
            self.setenv(name, str(value))

    def compound(self, text: str) -> _Status:
        """A brace group ``{ ...; }`` (run in this shell: its ``exit`` ends the script) or a
        subshell ``( ... )``, with the group's redirections for what its commands print."""
        opener = text[0]
        if text.startswith("((") or (opener == "{" and text[1:2] not in BLANKS):
            raise Unknown(text)  # arithmetic, brace expansion: not interpreted
        close = sh_group_end(text)
        if close is None or text[close] != _CLOSER[opener]:
            raise Unknown(text)  # never closed
        redirect = self.expand(text[close + 1 :])
        if redirect.words:
            raise Unknown(text)
        body = _statements(text[1:close])
        outer = self.fds
        self.fds = self.opened(redirect.fds)
        self.scopes += 1
        try:
            if opener == "{":
                return (yield from self.block(body))
            return (yield from self.subshell(body))
        finally:
            self.fds = outer
            self.scopes -= 1

    def subshell(self, body: Sequence[str]) -> _Status:
        """``( ... )``: a copy of the shell (:meth:`isolated`); the loops around it are the
        parent shell's: its ``break`` is an error."""
        return (yield from self.isolated(self.block(body), loops=0))

    def isolated(self, run: _Status, *, loops: int | None = None) -> _Status:
        """``run`` in a copy of the shell (a subshell, a pipeline's command). Its variables
        (and which of them are not known), options and functions are its own, and its
        ``exit`` (in a function: also its ``return``) ends only it (its status is the exit
        code). ``loops``: how many loops it runs in, when not the shell's."""
        options = (self.errexit, self.nounset, self.pipefail, self.xtrace, self.verbose)
        arguments = list(self.script_args)
        functions, outer_loops, unknown = dict(self.functions), self.loops, set(self.unknown)
        arrays = {name: list(elements) for name, elements in self.arrays.items()}
        declared = set(self.declared)
        attributes = (set(self.nonempty), set(self.dynamic), set(self.readonly),
                      set(self.attributed))
        cased, integers = dict(self.cased), set(self.integers)
        if loops is not None:
            self.loops = loops
        self.subshells.append({})
        try:
            return (yield from self.subshell_status(run))
        finally:
            self.errexit, self.nounset, self.pipefail, self.xtrace, self.verbose = options
            self.script_args = arguments
            self.functions, self.loops, self.unknown = functions, outer_loops, unknown
            self.arrays, self.declared = arrays, declared
            self.nonempty, self.dynamic, self.readonly, self.attributed = attributes
            self.cased, self.integers = cased, integers
            for name, value in self.subshells.pop().items():
                self.putenv(name, value)

    def subshell_status(self, run: _Status) -> _Status:
        """The status of ``run`` in a subshell: an ``exit`` (in a function: a ``return``), or
        an error that exits, ends only the subshell, its status the exit code. A limit of
        the simulator still ends the script: the subshell's status would be made up."""
        try:
            return (yield from run)
        except _Limit:
            raise
        except _Unfollowed:
            return None  # it may have exited, with a status not known, or gone on
        except ScriptExit as stop:
            if stop.result.message:
                self.message = stop.result.message
            return stop.result.exit_code
        except _Return as done:
            return done.status

    def setenv(self, name: str, value: str | None) -> None:
        """Set a variable of the script, remembering its value for a subshell's end. A
        read-only one is Bash's error, which abandons the command the shell was reading (a
        line of the script, a function call...): what follows is not followed. One whose
        value Bash makes of what is assigned (:attr:`attributed`, :attr:`dynamic`) is not
        known after."""
        if name in self.readonly:
            self.error(f"{name}: readonly variable")
            raise _Unfollowed
        if value is not None and len(value) > MAX_VALUE_LENGTH:
            raise Unknown(name)  # a value doubled in a loop: not followed (memory)
        if value is None:
            self.integers.discard(name)
        elif name in self.integers:
            try:
                value = str(self.arithmetic_of(value))
            except Unknown:
                raise _Unfollowed from None  # Bash's error ends the script, or not known
        case = self.cased.get(name)
        if value is None:
            self.cased.pop(name, None)  # unset, it is an ordinary variable
        elif case is not None:
            try:
                value = self.case_modified(value, case)
            except Unknown:
                case = "unknown"  # the locale decides: set below, then forgotten
        if self.subshells and name not in self.subshells[-1]:
            self.subshells[-1][name] = self.getenv(name)
        self.unknown.discard(name)
        self.nonempty.discard(name)
        self.declared.discard(name)
        self.putenv(name, value)
        if name in self.arrays:  # an array's `a=x` assigns its element 0; `unset a`, all
            if value is None:
                del self.arrays[name]
            else:
                self.arrays[name][:1] = [value]
        if value is None:
            self.dynamic.discard(name)  # unset, it is an ordinary variable
        elif name in self.dynamic:
            self.forget(name)
            self.nonempty.add(name)
        elif name in self.attributed or case == "unknown":
            self.forget(name)

    def tee(self, first: str, second: str) -> bool:
        """``echo ... | [sudo] tee [-a] FILE...``: True when it was that. The lines go to
        each file (of which only ``/etc/environment`` is modelled) and, as tee copies its
        input, on to its own output (the task log, unless redirected)."""
        cmd = self.expand(second)
        tee = strip_sudo(cmd.words)
        if not tee or tee[0] != "tee":
            return False
        options = [w for w in tee[1:] if w.startswith("-")]
        if any(option not in ("-a", "--append") for option in options):
            raise Unknown(second)
        try:
            printer = self.expand(first)
            if printer.redirected:
                raise Unknown(first)  # `echo x >&2 | tee`: what tee gets is not followed
            text = self.printed(strip_sudo(printer.words))
        except _Limit:
            raise
        except ScriptExit:  # `echo $U | tee` with set -u: the echo's subshell ends
            raise Unknown(first) from None  # what tee then got, and did, is not followed
        if text is None:
            raise Unknown(first)
        if ETC_ENVIRONMENT in tee[1:]:
            self.to_etc_environment(_lines(text), append=bool(options))
        self.emit(text, self.opened(cmd.fds)[1])
        return True

    def simple(self, cmd: _Words, *, piped: bool = False) -> _Status:
        """A simple command, run with its redirections: what it prints and its errors go
        where they send them."""
        if strip_sudo(cmd.words)[:1] == ["exec"]:
            return self.exec(cmd, piped=piped)
        outer = self.fds
        self.fds = self.opened(cmd.fds)
        try:
            status = yield from self.simple_command(cmd, piped=piped)
        finally:
            self.fds = outer
        if status is None:
            self.unsure_lines()
        return status

    def exec(self, cmd: _Words, *, piped: bool) -> int:
        """``exec`` with redirections alone (``exec >/dev/null``, ``exec 2>&1``, ``exec
        3>&1``): they stay the script's for what follows; in a group, function, subshell
        or pipeline (whose own redirections Bash restores around the change), and ``exec
        COMMAND`` (the shell replaced by the command), what follows is not followed."""
        if len(cmd.words) > 1 or cmd.assignments or piped or self.scopes:
            raise _Unfollowed
        self.fds = self.opened(cmd.fds)
        return 0

    def unsure_lines(self) -> None:
        """Something not interpreted ran: what it printed (it may have) would join a rest
        waiting for its line's end, so that line is not known (``echo -n a; cmd; echo b``:
        Bash's line may be ``ab`` or more)."""
        self.unsure += 1
        for target in self.partial:
            self.partial[target] = None

    def simple_command(self, cmd: _Words, *, piped: bool) -> _Status:
        words = strip_sudo(cmd.words)
        sudo = len(words) != len(cmd.words)
        if not cmd.words:  # assignments alone: each made in turn, for good
            self.substituted = 0  # the status: the last command substitution's
            for raw in cmd.assignments:
                self.setenv(*self.assignment(raw))
            return self.substituted
        assignments = self.temporary_assignments(cmd.assignments)  # X=v cmd: X for cmd
        if not words:
            return 0
        name, args = words[0], words[1:]
        if name in self.functions and not sudo:  # `sudo f` runs a program, not f
            if piped:
                raise Unknown(name)  # a function in a pipeline (a subshell): not interpreted
            return (yield from self.call(name, args, assignments))
        if name == "sleep":
            yield sum(sleep_seconds(a) for a in args)
            return 0
        if name == "printf" and args[:1] == ["-v"]:
            return self.printf_to_variable(args[1:])
        if name in ("echo", "printf"):
            text = self.printed(words)
            if text is None:
                raise Unknown(name)
            if not piped:
                self.output(text)
            return 0
        if name == "systemctl":
            return self.systemctl(args)
        if name == "grep":
            return self.grep(args, cmd)
        if name == "get_octopusvariable":  # Calamari's: prints the value
            text = self.octopus_lookup(args)
            if not piped:
                self.output(text)
            return 0
        if name == "command" and args[:1] == ["-v"] and not sudo:
            return self.command_v(args[1:], piped=piped)
        return self.builtin(name, args)

    def command_v(self, args: list[str], *, piped: bool) -> int | None:
        """``command -v NAME`` of a function the script defined, a builtin or a reserved
        word: Bash prints NAME, status 0 (a function named as a builtin changes nothing).
        None (not interpreted) for any other name, a program found on the Tentacle's PATH
        or not at all, which the simulator cannot know; for several names; and in a script
        that may define an alias (``command -v`` prints its definition) or disable a
        builtin (``enable -n``)."""
        if args[:1] == ["--"]:
            args = args[1:]
        if (len(args) != 1 or self.aliases_possible
                or not (args[0] in self.functions or args[0] in _BUILTINS
                        or args[0] in _RESERVED)):
            return None
        if not piped:
            self.output(args[0] + "\n")
        return 0

    def systemctl(self, args: list[str]) -> int | None:
        """``cat UNIT...`` and ``list-units``; any other verb is not run (the recogniser
        reads restarts): its status is not known."""
        verb, *names = [a for a in args if not a.startswith("-")] or [""]
        units = self.host.service_names()
        if verb == "cat":
            wanted = [n if n.endswith(".service") else n + ".service" for n in names]
            return 0 if wanted and all(w in units for w in wanted) else 1  # case-sensitive
        if verb == "list-units":
            self.output("".join(unit + "\n" for unit in units))
            return 0
        return None

    def grep(self, args: list[str], cmd: _Words) -> int | None:
        """``grep -q '^X=' /etc/environment`` (or its output to ``/dev/null``): is X in the
        machine store. Any other grep is not interpreted."""
        options = [a for a in args if a.startswith("-")]
        operands = [a for a in args if not a.startswith("-")]
        quiet = any(o in ("--quiet", "--silent") or re.fullmatch(r"-[qsEG]*q[qsEG]*", o)
                    for o in options)
        if (not (quiet or cmd.fds[1][0] == "/dev/null") or operands[1:] != [ETC_ENVIRONMENT]
                or any(not re.fullmatch(r"-[qsEG]+|--(quiet|silent|no-messages)", o)
                       for o in options)):
            return None
        m = _GREP_NAME.fullmatch(operands[0])
        if m is None:
            return None
        return 0 if m.group(1) in self.host.machine_names() else 1

    def builtin(self, name: str, args: list[str]) -> int | None:
        if name in ("true", ":"):
            return 0
        if name == "false":
            return 1
        if name == "exit":
            if not args:
                raise ScriptExit(self.last or 0)  # the last status (not known: success)
            if not re.fullmatch(r"[-+]?[0-9]+", args[0]) or not fits_int64(args[0]):
                self.error(f"exit: {args[0]}: numeric argument required")
                raise ScriptExit(2)
            raise ScriptExit(int(args[0]) % 256)
        if name in ("fail_step", "set_octopusvariable") and self.captures:
            raise Unknown(name)  # Calamari's service message, captured by a `$(...)`
        if name == "fail_step":
            message = args[0] if args else None
            if message:
                self.host.write(message, "error")
            raise ScriptExit(1, message)
        if name == "set_octopusvariable":  # Calamari's: name value [-sensitive]
            rest = [a for a in args if a != "-sensitive"]
            if len(rest) < 2 or not rest[0]:
                return 1
            self.host.set_output(rest[0], rest[1], "-sensitive" in args)
            return 0
        if name == "export":
            self.export(args)
            return 0
        if name in ("readonly", "declare", "typeset"):
            return self.declaration(name, args)
        if name == "unset":
            return self.unset(args)
        if name in ("shopt", "set") and any(
                "xpg_echo" in a or "posix" in a or "$" in a for a in args):
            self.xpg_echo = True
        if name == "set":
            return self.set_options(args)
        if name == "let":
            return self.let(args)
        if name in ("return", "local", "shift", "break", "continue"):
            return self.function_builtin(name, args)
        if name in ("[", "test"):
            if name == "[":
                if not args or args[-1] != "]":
                    return 2
                args = args[:-1]
            try:
                return 0 if test_expression(args, None) else 1
            except TestError as error:  # Bash's test: the message, status 2
                self.error(f"{name}: {error}")
                return 2
        if name in _STATE_CHANGING:
            # Changes the shell in ways not followed; `read X` at least names what it sets.
            self.skipped(" ".join([name, *args]))
        return None  # not interpreted: its status is not known

    def unset(self, args: list[str]) -> int | None:
        """``unset [-f|-v] NAME...``: ``-f`` the functions, ``-v`` the variables (a name
        that is no variable's: Bash's ``not a valid identifier``, status 1), neither the
        variable or, when no variable has that name, the function, as Bash does. None (not
        interpreted) for another option (``-n``), after which the names' variables are not
        known and their functions gone."""
        options: set[str] = set()
        while args and args[0].startswith("-") and len(args[0]) > 1:
            option, args = args[0], args[1:]
            if option == "--":
                break
            options.update(option[1:])
        if options - {"f", "v"}:
            for arg in args:
                self.forget(arg)
                self.functions.pop(arg, None)
            return None
        if options == {"f", "v"}:
            self.error("unset: cannot simultaneously unset a function and a variable")
            return 1
        if elements := [m.group(1) for arg in args
                        if (m := re.match(rf"({SH_NAME})\[", arg)) is not None]:
            if options <= {"v"} and all(self.unset_last_element(arg) for arg in args):
                return 0
            self.forget(*elements)  # `unset 'a[1]'`: an element, leaving a gap
            return None
        status = 0
        for arg in args:
            variable = re.fullmatch(SH_NAME, arg) is not None
            if options == {"v"} and not variable:
                self.error(f"unset: `{arg}': not a valid identifier")
                status = 1
            elif options != {"f"} and arg in self.readonly:
                self.error(f"unset: {arg}: cannot unset: readonly variable")
                status = 1
            elif options == {"f"} or not variable:
                self.functions.pop(arg, None)
            elif (options or arg in self.unknown or arg in self.arrays or arg in self.declared
                  or self.getenv(arg) is not None):
                self.unset_variable(arg)
            else:
                self.functions.pop(arg, None)  # no variable by that name: the function
        return status

    def unset_last_element(self, arg: str) -> bool:
        """``unset 'a[I]'`` (I as :meth:`element` reads it) of an array's last element, or
        of one beyond it (nothing): True when it was that, done. False for any other (the
        array would have a gap), outside an array, in a function, before the first (Bash's
        ``bad array subscript``), read-only, or a subscript :meth:`element` refuses."""
        m = re.fullmatch(rf"({SH_NAME})\[([^][]+)\]", arg)
        if (m is None or self.frames or m.group(1) not in self.arrays
                or m.group(1) in self.readonly or not m.group(2).strip(_BASH_BLANKS)
                or _SUBSCRIPT_REFUSED.search(m.group(2))
                or (self.nounset and not ascii_digits(m.group(2).lstrip("-")))):
            return False  # under `set -u`: where Bash reports an unset variable there
        name, elements = m.group(1), self.arrays[m.group(1)]
        try:
            position = self.evaluate(m.group(2))
        except Unknown:
            return False
        if position < 0:
            position += len(elements)
        if position < 0 or position < len(elements) - 1:
            return False
        if position == len(elements) - 1:
            self.set_array(name, elements[:-1])
        return True

    def unset_variable(self, name: str) -> None:
        """Unset variable ``name``. Raises Unknown when it is a local of a function call
        around the one running: Bash then shows the value it hid (dynamic scoping), which
        is not followed."""
        holder = next((frame for frame in reversed(self.frames) if name in frame.hidden),
                      None)
        if holder is not None and holder is not self.frames[-1]:
            self.forget(name)
            raise Unknown(name)
        self.setenv(name, None)

    def declaration(self, builtin: str, args: list[str]) -> int | None:
        """``local``, ``declare``/``typeset`` (in a function: its own variables, as
        ``local``) and ``readonly`` with ``NAME[=value]`` (``+=`` appends) arguments and at
        most the options ``-r`` (read-only) and ``-x`` (exported); ``-a`` alone
        (:meth:`array_declaration`); ``-u`` or ``-l`` alone outside a function
        (:meth:`case_declaration`), ``-i`` alone outside a function
        (:meth:`integer_declaration`). Not interpreted: none (they print), other options
        (integers or case in a function, name references, associative arrays, ``-u`` or
        ``-i`` with another option: the names are then not known,
        nor what is assigned to them later, :meth:`declared_somewhere`), a name Bash
        refuses."""
        options = {a for a in args if a.startswith(("-", "+")) and a != "--"}
        names = [a for a in args if not a.startswith(("-", "+"))]
        if options == {"-a"} and names and builtin != "readonly":
            return self.array_declaration(names)
        if options in ({"-u"}, {"-l"}) and names and builtin != "readonly" and not self.frames:
            return self.case_declaration(names, "^^" if options == {"-u"} else ",,")
        if options == {"-i"} and names and builtin != "readonly" and not self.frames:
            return self.integer_declaration(names)
        allowed = {"-r", "-x", "-rx", "-xr"} if builtin != "readonly" else set()
        if not names or options - allowed:
            self.skipped(" ".join([builtin, *args]))
            return None
        read_only = builtin == "readonly" or any("r" in option for option in options)
        for arg in names:
            variable, value = self.assigned_value(arg) if "=" in arg else (arg, None)
            if not re.fullmatch(SH_NAME, variable):
                raise Unknown(arg)  # Bash's `not a valid identifier'
            if self.frames and builtin != "readonly":
                self.local(variable, value)
                if read_only:
                    self.frames[-1].readonly.add(variable)
            elif value is not None:
                self.setenv(variable, value)
            if read_only:
                self.readonly.add(variable)
        return 0

    def case_declaration(self, args: list[str], op: str) -> int:
        """``declare -u NAME[=v]...`` (``op`` ``^^``; ``-l``: ``,,``; ``typeset`` too) outside
        a function: each value assigned to NAME from then on is changed to that case (its
        value now is kept), replacing the other case's attribute, as Bash does. Raises
        Unknown for a name Bash refuses, one of Bash's own, an array, read-only or with
        another attribute."""
        for arg in args:
            self.attributable(arg, self.integers)
        for arg in args:
            if "=" in arg:
                variable, value = self.assigned_value(arg)
                self.cased[variable] = op
                self.setenv(variable, value)
            else:
                self.cased[arg] = op
        return 0

    def attributable(self, arg: str, other: Container[str]) -> str:
        """The NAME of ``declare -u``/``-l``/``-i``'s ``NAME[=v]``; raises Unknown for a name
        Bash refuses, one of Bash's own, an array, read-only or with another attribute (of
        ``other``, the other kind's, or one not modelled)."""
        name = arg.split("=", 1)[0].removesuffix("+")
        if (not re.fullmatch(SH_NAME, name) or name in ARRAYS or name in self.own
                or name in self.dynamic or name in self.attributed
                or name in self.readonly or name in self.arrays or name in self.declared
                or name in other or name == "IFS"):
            raise Unknown(arg)
        return name

    def integer_declaration(self, args: list[str]) -> int:
        """``declare -i NAME[=v]...`` (``typeset`` too) outside a function: each value
        assigned to NAME from then on is evaluated as Bash's arithmetic (``+=`` adds to the
        value), its value now kept. Raises Unknown for a name Bash refuses, one of Bash's
        own, an array, read-only or with another attribute, or whose value now is not a
        number as Bash writes one (``n=1+2; declare -i n; n+=1``)."""
        for arg in args:
            name = self.attributable(arg, self.cased)
            value = self.value_of(name)
            if value is not None and not _INTEGER.fullmatch(value):
                raise Unknown(arg)
        for arg in args:
            name = arg.split("=", 1)[0].removesuffix("+")
            self.integers.add(name)
            if "=" in arg:
                self.setenv(*self.assigned_value(arg))
        return 0

    def array_declaration(self, names: list[str]) -> int:
        """``declare -a NAME...`` (``typeset``; in a function, or ``local -a``, the call's
        own): each NAME an indexed array, of the value it has as element 0 (none: an array
        declared and unset, as Bash reads it: ``${#x[@]}`` is 0, and ``set -u``'s error),
        an array already unchanged; a local one of no element. Raises Unknown for a value
        (``declare -a x=v``), a name Bash refuses, one of Bash's own, read-only or with
        another attribute, and in a function a local already (Bash keeps its value) or an
        array hidden."""
        for name in names:
            if (not re.fullmatch(SH_NAME, name) or name in ARRAYS or name in self.own
                    or name in self.dynamic or name in self.attributed
                    or name in self.readonly or name in self.cased or name in self.integers
                    or name == "IFS" or (self.frames and name in self.frames[-1].hidden)):
                raise Unknown(name)
        for name in names:
            if self.frames:
                self.local(name, None)
                self.declared.add(name)
            elif name not in self.arrays:
                value = self.value_of(name)
                if value is None:
                    self.declared.add(name)
                else:
                    self.set_array(name, [value])
        return 0

    def export(self, args: list[str]) -> None:
        """``export NAME[=v]...`` (options are not read). Raises Unknown for any other
        argument: a name Bash refuses (``wā``, ``1x``: its ``not a valid identifier``,
        status 1)."""
        for arg in args:
            if _ASSIGNMENT.match(arg) is not None:
                self.setenv(*self.assigned_value(arg))
            elif not (re.fullmatch(SH_NAME, arg) or arg.startswith("-")):
                raise Unknown(arg)

    def set_options(self, args: list[str]) -> int | None:
        """``set -e``, ``-u``, ``-o errexit|nounset|pipefail`` (also as ``-euo pipefail``),
        ``-x``/``-v`` (:meth:`set_option`), ``-n``, the options :data:`_HARMLESS_OPTIONS`,
        ``+`` for off, and the arguments after the options (``set -- a b``: ``$1``...). None
        (not interpreted) with no arguments (it prints the variables), ``-o`` alone, ``-``
        or ``+``."""
        i = 0
        while i < len(args) and re.fullmatch(r"[-+][a-zA-Z]+", args[i]):
            on = args[i][0] == "-"
            for letter in args[i][1:]:
                if letter == "o" and i + 1 < len(args):
                    i += 1
                    self.set_option(args[i], on)
                elif letter == "o":
                    return None  # `set -o` prints the options
                else:
                    self.set_option(_SET_LETTERS.get(letter, letter), on)
            i += 1
        if not args or args[i:i + 1] in (["-"], ["+"]):
            return None
        if args[i:i + 1] == ["--"] or i < len(args):
            self.set_arguments(args[i + (args[i:i + 1] == ["--"]) :])
        return 0

    def set_option(self, name: str, on: bool) -> None:
        """One option of ``set``. ``xtrace`` (``-x``) and ``verbose`` (``-v``) write what
        Bash runs, or reads, to the errors: while on, the errors are not known (nothing is
        written there), and what follows when they go to the task log's lines is not
        followed. ``noexec`` (``-n``) ends the script: Bash reads the rest without running
        it, status 0. Any other option not in :data:`_HARMLESS_OPTIONS` (``noclobber``,
        ``keyword``, ``onecmd``, ``interactive-comments``...) changes what follows in ways
        not followed."""
        if name in ("errexit", "nounset", "pipefail", "xtrace", "verbose"):
            setattr(self, name, on)
            if name in ("xtrace", "verbose"):
                self.check_trace(self.fds)
        elif name == "noexec":
            if on:
                raise ScriptExit(0)
        elif name not in _HARMLESS_OPTIONS:
            raise _Unfollowed

    def set_arguments(self, args: list[str]) -> None:
        """``set -- ARGS``: the positional parameters, the function call's or the script's."""
        if self.frames:
            self.frames[-1].args = list(args)
        else:
            self.script_args = list(args)

    def printed(self, words: list[str]) -> str | None:
        """The text ``echo``/``printf`` print (``echo`` ends it with a newline but with
        ``-n``), or None for other commands."""
        if not words:
            return None
        if words[0] == "echo":
            args = words[1:]
            if self.xpg_echo and any("\\" in a or a.startswith("-") for a in args):
                return None  # shopt -s xpg_echo (set -o posix too) may change what it prints
            escapes, newline = False, "\n"
            while args and re.fullmatch(r"-[neE]+", args[0]):
                for letter in args[0][1:]:  # the last of -e and -E decides
                    escapes = {"e": True, "E": False}.get(letter, escapes)
                newline = "" if "n" in args[0] else newline
                args = args[1:]
            text = " ".join(args)
            try:
                return (unescape(text) if escapes else text) + newline
            except Unknown:
                return None
        if words[0] == "printf":
            args = words[2:] if words[1:2] == ["--"] else words[1:]
            if not args or args[0].startswith("-"):
                return None  # an option: -v (printf_to_variable), or Bash's usage error
            return printf_text(args[0], args[1:])
        return None

    def printf_to_variable(self, args: list[str]) -> int:
        """``printf -v NAME FORMAT ARGS...``: the text assigned to NAME, not printed. Raises
        :class:`Unknown` for a name that is no variable's (an array's element...), a
        format Bash reads as an option, and a text holding a NUL (Bash cuts it there)."""
        if args[1:2] == ["--"]:
            args = [args[0], *args[2:]]
        if len(args) < 2 or not re.fullmatch(SH_NAME, args[0]) or args[1].startswith("-"):
            raise Unknown(" ".join(["printf", "-v", *args]))
        text = printf_text(args[1], args[2:])
        if "\0" in text:
            raise Unknown(args[1])
        self.setenv(args[0], text)
        return 0

    def output(self, text: str) -> None:
        """What a command prints: where its standard output (descriptor 1) goes."""
        self.emit(text, self.fds[1])

    def error(self, message: str) -> None:
        """A Bash error message: where the standard error (descriptor 2) goes."""
        self.emit(message + "\n", self.fds[2])

    def emit(self, text: str, destination: tuple[str, bool]) -> None:
        r"""``text`` written to ``destination``: the task log, ``/etc/environment``, or a
        file not modelled (``/dev/null`` and any other: they go nowhere). Calamari reads the
        task log's streams a line at a time, ending one where .NET's reader does, at
        ``\r\n``, ``\r`` or ``\n`` (``printf 'a\rb\n'`` is two lines): a rest after the
        last line break waits for the next text to the same stream (``printf a; echo b`` is
        the line ``ab``; a ``\r`` ending the text waits too, as a ``\n`` may follow it), or
        the script's end (:meth:`flush`)."""
        target, append = destination
        if target in (_TASK_LOG, _ERRORS):
            if target == _ERRORS and (self.xtrace or self.verbose):
                self.partial[target] = None  # Bash's trace among them: not known
                return
            held = self.partial.pop(target, "")
            text = ("" if held is None else held) + text
            cut = len(text) - 1 if text.endswith("\r") else len(text)
            *lines, rest = LINE_BREAK.split(text[:cut])
            if held is None:  # the line's start is not known: nor is the line
                if not lines:
                    self.partial[target] = None
                    return
                lines = lines[1:]
            for line in lines:
                self.host.write(line, "error" if target == _ERRORS else "info")
            rest += text[cut:]
            if rest:
                self.partial[target] = rest
        elif target == ETC_ENVIRONMENT:
            self.to_etc_environment(_lines(text), append=append)
        elif target.startswith(_CAPTURE):
            self.captures[int(target[len(_CAPTURE) :])].append(text)

    def flush(self) -> None:
        """The script ended: what waits for the rest of its line is a line of its own."""
        for target, rest in self.partial.items():
            if rest is not None:  # a \r ending it ends the line, as the end does
                self.host.write(rest.removesuffix("\r"),
                                "error" if target == _ERRORS else "info")
        self.partial.clear()

    def to_etc_environment(self, lines: list[str], *, append: bool) -> None:
        """Lines written to ``/etc/environment``: ``X=v`` (quotes removed) are variables."""
        if not append:
            for name in self.host.machine_names():
                self.host.set_machine_variable(name, None)
        for line in lines:
            m = _ENVIRONMENT_LINE.match(line.strip())
            if m:
                self.host.set_machine_variable(m.group(1), dequote(m.group(2)))

    # -- words --------------------------------------------------------------------------------
    def expand(self, text: str, *, command: bool = True) -> _Words:
        """Split a simple command into words: quotes removed, variables expanded (an
        unquoted expansion split at blanks, and gone if empty, as Bash does but in
        assignments), redirections taken out (``[[ ]]`` reads its words itself:
        :meth:`conditional`). Raises Unknown for a command substitution not interpreted
        (:meth:`captured`) and for a word Bash
        would expand with the file system or the home directory (:func:`_file_expansion`).
        Not a ``command``: the words of a ``for`` loop, none of them an assignment."""
        cmd = _Words([], dict(self.fds))
        name: str | None = None  # the command's name, once read
        pending: str | None = None
        redirection: re.Match[str] | None = None  # one whose target is the next word
        for raw in _words(text):
            if redirection is not None:
                self.redirect(cmd, redirection, raw)
                redirection = None
                continue
            if pending is not None:
                if pending == "<":
                    self.input_file(raw)
                elif pending == "<<<":
                    _here_string(raw)
                pending = None  # else a here-document's delimiter: data
                continue
            if (m := _INPUT.match(raw)) is not None:
                # What the interpreted commands read is not their input: only whether
                # the file opens matters.
                op, target = m.group("op"), m.group("target")
                if op in ("<&", "<>") or _EXPANDED_BODY in target:
                    raise Unknown(raw)  # a body Bash expands: see _without_heredoc_bodies
                if not target:
                    pending = op if op in ("<", "<<<") else "<<"
                elif op == "<":
                    self.input_file(target)
                elif op == "<<<":
                    _here_string(target)
                continue
            if (m := _REDIRECT.match(raw)) is not None:
                if m.group("target"):
                    self.redirect(cmd, m, m.group("target"))
                else:
                    redirection = m
                continue
            if raw in ('"$@"', '"${@}"'):  # each argument a word of its own (none: no word)
                cmd.words.extend(self.arguments())
                cmd.forms.extend(["quoted"] * len(self.arguments()))
                continue
            if (elements := self.quoted_elements(raw)) is not None:  # "${a[@]}"
                cmd.words.extend(elements)
                cmd.forms.extend(["quoted"] * len(elements))
                if name is None and elements:
                    name = elements[0]
                continue
            if '"' in raw and len(self.arguments()) > 1 and _QUOTED_ALL.search(raw):
                raise Unknown(raw)  # "x$@y": words joined to the text around: not interpreted
            # An assignment (`X=v cmd`, `X=v`) or a declaration's (`export X=v`, `local
            # X=v`) is neither split nor matched against file names; any other word is.
            declaring = command and (name is None or name in _DECLARATIONS)
            if declaring and _ARRAY_ASSIGNMENT.match(raw):
                raise Unknown(raw)  # an array's: not modelled
            assignment = declaring and _ASSIGNMENT.match(raw) is not None
            if assignment and name is None:
                cmd.assignments.append(raw)  # expanded when it is made
                continue
            segments = self.expanded(_segment_list(raw))
            _file_expansion(raw, segments, assignment=assignment,
                            braces=not assignment or name is not None)
            value, form = "".join(text for _, text in segments), _form(raw)
            fields = [value]
            if not assignment and _unquoted_dollar(raw):
                fields = self.fields(value)
                if form == "mixed" and fields != [value]:
                    raise Unknown(raw)  # which blanks were quoted is not known here
            if name is None and not assignment and fields:
                name = fields[0]  # the command's name: the first word no assignment
            cmd.words.extend(fields)
            cmd.forms.extend([form] * len(fields))
        return cmd

    def quoted_elements(self, raw: str) -> list[str] | None:
        """The words of ``raw``, a word in double quotes holding ``${a[@]}`` once, as Bash
        makes them: ``"${a[@]}"`` each element a word (no element: no word), ``"x${a[@]}y"``
        the same with x before the first and y after the last (no element: the word
        ``xy``). None for any other word. Raises Unknown for ``${a[@]}`` twice, escaped
        (``\\${a[@]}``), and for no element where x and y are expansions both empty (Bash
        then makes no word)."""
        segments = _segment_list(raw)
        if len(segments) != 1 or segments[0][0] != "double":
            return None
        text = segments[0][1]
        found = list(_ELEMENTS.finditer(text))
        if not found:
            return None
        m = found[0]
        if len(found) > 1 or text[m.start() - 1 : m.start()] == "\\":
            raise Unknown(raw)
        before = self.variables(text[: m.start()], quoted=True)
        words = self.elements(m.group(2))
        if m.group(1):
            words = [str(key) for key in range(len(words))]  # ${!a[@]}: the subscripts
        words = list(words)
        after = self.variables(text[m.end() :], quoted=True)
        if not words:
            if m.start() == 0 and m.end() == len(text):
                return []
            if not before + after:
                raise Unknown(raw)
            return [before + after]
        words[0] = before + words[0]
        words[-1] += after
        return words

    def assignment(self, raw: str) -> tuple[str, str]:
        """The variable the assignment ``raw`` (``NAME=value``, ``NAME+=value``) sets and the
        value it gives it, expanded now: neither split nor matched against file names; ``+=``
        appends to NAME's value."""
        segments = self.expanded(_segment_list(raw))
        _file_expansion(raw, segments, assignment=True, braces=False)
        return self.assigned_value("".join(text for _, text in segments))

    def assigned_value(self, word: str) -> tuple[str, str]:
        """The variable and value of the expanded assignment ``word`` (``+=``: appended)."""
        m = _ASSIGNMENT.match(word)
        if m is None:
            raise Unknown(word)
        name, value = m.group(1), m.group(3)
        if m.group(2) and name in self.integers:
            if _SUBSCRIPT_REFUSED.search(value):
                raise Unknown(word)  # `n+=n++`: Bash reads n after the right side
            total = int(self.value_of(name) or "0") + self.arithmetic_of(value)
            value = str((total + 2**63) % 2**64 - 2**63)  # 64 bits wrapping, as Bash's
        elif m.group(2):
            value = (self.value_of(name) or "") + value
        return name, value

    def temporary_assignments(self, raws: Sequence[str]) -> list[tuple[str, str]]:
        """The assignments before a command's name (``x=1 y=$x cmd``): each expanded with the
        ones before it made, as Bash makes them for the command, which alone keeps them."""
        made: list[tuple[str, str]] = []
        before: dict[str, tuple[str | None, bool, bool]] = {}
        try:
            for raw in raws:
                name, value = self.assignment(raw)
                if name in self.arrays or name in self.cased or name in self.integers:
                    # `a=x cmd` with a an array, or `x=ab env` with x `declare -u` (Bash
                    # 5.2 leaves the command's copy as written): not interpreted
                    raise Unknown(raw)
                before.setdefault(name, (self.getenv(name), name in self.unknown,
                                         name in self.nonempty))
                self.setenv(name, value)
                made.append((name, value))
        finally:
            for name, (held, unknown, nonempty) in before.items():
                self.putenv(name, held)
                if unknown:
                    self.forget(name)
                if nonempty:
                    self.nonempty.add(name)
        return made

    def redirect(self, cmd: _Words, m: re.Match[str], raw: str) -> None:
        """Apply one output redirection (``m``, its target written ``raw``) to ``cmd``'s file
        descriptors, after those before it, as Bash does: ``2>/dev/null >&2`` sends both
        to ``/dev/null``, ``2>&1 >&2`` the output to where the errors went first."""
        fds = cmd.fds
        cmd.redirected = True
        if m.group("dup") and raw == "-":
            raise Unknown(raw)  # a descriptor closed: Bash's write errors, not interpreted
        if m.group("dup") and ascii_digits(raw):
            if int(raw) not in fds:
                raise _RedirectFailure(f"{raw}: Bad file descriptor", fds[2])
            fds[int(m.group("fd") or 1)] = fds[int(raw)]
            return
        everything = m.group("all") or m.group("dup")  # &>FILE, >&FILE: both descriptors
        if everything and m.group("fd"):
            raise Unknown(raw)  # `2>&FILE`: Bash's ambiguous redirect, not interpreted
        segments = self.expanded(_segment_list(raw))
        _file_expansion(raw, segments, assignment=False)  # `> *.log`: the file it matches
        target = "".join(text for _, text in segments)
        if _unquoted_dollar(raw) and len(self.fields(target)) != 1:
            raise _RedirectFailure(f"{raw}: ambiguous redirect", fds[2])
        if not target:
            raise _RedirectFailure(": No such file or directory", fds[2])
        standard = {"/dev/stdout": 1, "/dev/stderr": 2, "/dev/fd/1": 1, "/dev/fd/2": 2}
        destination = (fds[standard[target]] if target in standard
                       else (target, m.group("op") == ">>"))
        for fd in (1, 2) if everything else (int(m.group("fd") or 1),):
            fds[fd] = destination

    def fields(self, value: str) -> list[str]:
        """An unquoted expansion's ``value`` split into fields as Bash splits it: at space,
        tab and newline (IFS unset, or set to them: Bash's default; a no-break space is a
        letter), not at all with IFS empty. Raises Unknown for any other IFS (``IFS=,``)."""
        ifs = self.ifs
        if "IFS" in self.unknown or (ifs is not None and ifs != _DEFAULT_IFS):
            if ifs == "" and "IFS" not in self.unknown:
                return [value] if value else []
            raise Unknown("IFS")
        return split_fields(value)

    def input_file(self, raw: str) -> None:
        """``< FILE``: of the files, only ``/etc/environment`` is known to open (any other
        may not exist: Bash's error, the command not run)."""
        if self.word(raw) != ETC_ENVIRONMENT:
            raise Unknown(raw)

    def word(self, raw: str) -> str:
        return "".join(text for _, text in self.expanded(_segment_list(raw)))

    def pattern(self, segments: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """A pattern's :func:`_segments` expanded (:meth:`expanded`). Raises Unknown for a
        bare ``${X:-word}`` whose word quotes or escapes something (``${U:-"*"}``): Bash
        keeps what is quoted there literal in the pattern, where its expansion here is
        plain text, read as a glob."""
        for kind, text in segments:
            if kind == "bare" and _QUOTED_IN_EXPANSION.search(text):
                raise Unknown(text)
        return self.expanded(segments)

    def expanded(self, segments: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """A word's :func:`_segments` with their bare and double-quoted parts expanded, from
        left to right."""
        return [(kind, self.variables(text, quoted=kind == "double")
                 if kind in ("bare", "double") else text) for kind, text in segments]

    def variables(self, text: str, *, quoted: bool = False) -> str:
        """``text`` with its ``$X``, ``${...}`` and ``$((...))`` expanded, from left to right
        as Bash expands them: ``$x$((2))`` is x's value then 2, and a ``$((...))`` in a
        ``${X:-...}`` that is not used is not evaluated (it assigns nothing). ``quoted``:
        ``text`` is inside double quotes (a ``${X:-word}``'s word is read as they read it)."""
        if self.host.os_family == "Linux":
            text = _UNAME.sub("Linux", text)
        if "`" in text:
            raise Unknown(text)  # backquotes: not interpreted
        if "$" not in text:
            return text
        out: list[str] = []
        at = 0
        while (dollar := text.find("$", at)) >= 0:
            out.append(text[at:dollar])
            if text.startswith("$((", dollar):
                close = sh_closing(text, dollar + 1)
                if sh_closing(text, dollar + 2) != close - 1:
                    raise Unknown(text)  # $( (cmd) ...): a command substitution
                out.append(str(self.evaluate(text[dollar + 3 : close - 1])))
                at = close + 1
            elif text.startswith("$(", dollar):
                close = sh_closing(text, dollar + 1)
                out.append(self.substitution(text[dollar + 2 : close]))
                at = close + 1
            elif text.startswith("${", dollar):
                if (end := braced_end(text, dollar)) is None:
                    raise Unknown(text)  # a `${` never closed: not interpreted
                out.append(self.parameter(text[dollar + 2 : end - 1], quoted=quoted))
                at = end
            elif (m := _PARAMETER.match(text, dollar)) is not None:
                out.append(self.set_value(m.group("name")))
                at = m.end()
            else:
                out.append("$")
                at = dollar + 1
        out.append(text[at:])
        return "".join(out)

    def substitution(self, inner: str) -> str:
        """``$(COMMANDS)``: what they print, its trailing newlines removed, as Bash does;
        Calamari's ``get_octopusvariable NAME`` (its words expanded: they can neither assign
        nor fail, as in the subshell Bash runs it in) read at once, any other run
        (:meth:`captured`)."""
        words = _words(inner.strip(_BASH_BLANKS))
        if (words[:1] != ("get_octopusvariable",) or "get_octopusvariable" in self.functions
                or any(inner[i] in _COMMAND_ENDS for i in _top_positions(inner))
                or not all(self.pure(word) for word in words)):
            return self.captured(inner)
        cmd = self.expand(inner)
        if cmd.redirected or cmd.assignments:
            return self.captured(inner)
        self.last = self.substituted = 0
        return self.octopus_variable(cmd.words[1:]).rstrip("\n")

    def captured(self, inner: str) -> str:
        """``$(COMMANDS)`` run as Bash runs it, in a subshell (:meth:`isolated`) whose output
        is captured, without ``set -e`` (Bash clears it there, ``inherit_errexit`` being
        off), its errors where the shell's go; its status is ``$?`` from then on, and an
        assignment's. Raises Unknown when anything it runs is not interpreted, or its
        status is not known, when it sleeps (an expansion takes no virtual time here), and
        for Calamari's ``fail_step`` and ``set_octopusvariable`` (their service messages
        would be captured)."""
        statements = _pieces(inner)
        if _syntax_error(statements) or _CASE_OR_COMMENT.search(inner):
            # a case pattern's `)` or one in a comment, which close no `$(` in Bash: where
            # the text read as the substitution's ends is not sure
            raise Unknown(inner)
        fds = dict(self.fds)
        fds[1] = (f"{_CAPTURE}{len(self.captures)}", True)
        outer, errexit, unsure = self.fds, self.errexit, (self.unsure, self.uncertain)
        self.captures.append([])
        self.fds, self.errexit = fds, False
        self.scopes += 1
        run = self.isolated(self.block(statements), loops=0)
        try:
            try:
                next(run)
            except StopIteration as done:
                status: int | None = done.value
            else:
                run.close()
                raise Unknown(inner)  # it sleeps
        finally:
            self.fds, self.errexit = outer, errexit
            self.scopes -= 1
            text = "".join(self.captures.pop())
        if status is None or (self.unsure, self.uncertain) != unsure:
            raise Unknown(inner)
        self.last = self.substituted = status
        return text.rstrip("\n")

    def octopus_variable(self, args: Sequence[str]) -> str:
        """What Calamari's ``get_octopusvariable`` (its Bootstrap.sh) prints for ``args``: the
        value of the variable named by the first (a ``case`` on its base64 text, so exact),
        as it is, or a newline (``echo ""``) when there is none."""
        value = self.host.octopus_variable(args[0] if args else "")
        return "\n" if value is None else value

    def octopus_lookup(self, args: Sequence[str]) -> str:
        """``get_octopusvariable NAME`` run in the shell: besides what it prints
        (:meth:`octopus_variable`), it sets ``INPUT`` (the function's variable, not local)
        to the name's base64 text (``echo -n "$1" | openssl enc -base64 -A``). Raises
        :class:`Unknown` for a name ``echo`` reads otherwise (``-n``; with ``xpg_echo`` a
        backslash) and, under ``set -u``, none (``$1``: Bash's error in the function)."""
        name = args[0] if args else ""
        if (re.fullmatch(r"-[neE]+", name) or (self.xpg_echo and "\\" in name)
                or (self.nounset and not args)):
            raise Unknown(name)
        self.setenv("INPUT", base64.b64encode(name.encode()).decode("ascii"))
        return self.octopus_variable(args)

    def arithmetic_value(self, name: str) -> str | None:
        """A variable named in arithmetic (``set -u``: unset is Bash's error)."""
        if name in self.unknown:
            raise Unknown(name)
        value = self.getenv(name)
        if value is None and self.nounset:
            self.expansion_error(_unbound_name(name), "unbound variable")
        return value

    def parameter(self, text: str, *, quoted: bool) -> str:
        """The value of ``${text}``: ``${X}``, ``${X:-d}``, ``${X:=d}``, ``${X:+a}`` and
        ``${X:?message}`` (also without ``:``: only when unset), their word expanded only
        when used (:meth:`operand`); the pattern forms (:meth:`pattern_parameter`)."""
        if (subscripted := _SUBSCRIPTED.fullmatch(text)) is not None:
            return self.subscripted(subscripted, quoted=quoted)
        braced = _BRACED.match(text)
        if braced is None:
            return self.pattern_parameter(text)
        name, op, word = braced.group("name"), braced.group("op"), braced.group("word")
        if op is None:
            return self.set_value(name)
        kind = op[-1]
        if kind == "+" and name in self.nonempty:  # set, not empty: the word, known
            return self.operand(word, quoted=quoted)
        value = self.value_of(name)
        missing = value is None or (op.startswith(":") and value == "")
        if kind == "+":
            return "" if missing else self.operand(word, quoted=quoted)
        if not missing:
            return value or ""
        if kind == "?":
            default = "parameter null or not set" if op == ":?" else "parameter not set"
            self.expansion_error(name, self.operand(word, quoted=quoted) or default)
        replacement = self.operand(word, quoted=quoted)
        if kind == "=":
            self.setenv(name, replacement)
            return self.value_of(name) or ""  # as assigned: `declare -u` changes its case
        return replacement

    def subscripted(self, m: re.Match[str], *, quoted: bool) -> str:
        """``${a[I]}`` (I's arithmetic value, from the end when negative; beyond the last:
        '', ``set -u``: Bash's ``a[I]: unbound variable``; before the first, or negative on
        a variable not an array: Bash's ``a: bad array subscript``, then as unset),
        ``${#a[I]}`` (the element's length, ASCII only; 0 beyond the last, even under ``set
        -u``), ``${#a[@]}`` (of a variable not an array, set or not, ``set -u``'s error in
        Bash 5.2), ``${!a[@]}``/``${!a[*]}`` (the subscripts, 0 to the count less one) and
        ``${a[@]}``/``${a[*]}`` in a word (a whole ``"${a[@]}"``: :meth:`expand`): bare, the
        elements joined by spaces, to be split at blanks as Bash splits each (IFS Bash's
        default); in double quotes, ``[*]`` joined by IFS's first character, ``[@]`` of one
        element at most."""
        name, index = m.group("name"), m.group("index")
        whole = index in ("@", "*")
        if m.group("count") and m.group("keys"):
            raise Unknown(m.group(0))  # ${#!a[@]}: Bash's bad substitution
        if m.group("count") and whole:
            elements = self.elements(name)
            if self.nounset and name not in self.arrays:
                # Bash 5.2's error for a variable not an array, set or not
                self.expansion_error(name, "unbound variable")
            return str(len(elements))
        elements = self.elements(name)
        if m.group("keys"):
            if not whole:
                raise Unknown(m.group(0))  # ${!a[0]}: indirection
            elements = [str(key) for key in range(len(elements))]
        elif not whole:
            return self.element(name, index, elements, length=bool(m.group("count")))
        if quoted and index == "*":
            if "IFS" in self.unknown:
                raise Unknown("IFS")
            return ("" if self.ifs == "" else (self.ifs or " ")[0]).join(elements)
        if quoted and len(elements) > 1:
            raise Unknown(m.group(0))  # "x${a[@]}y": words joined to the text around
        if not quoted and ("IFS" in self.unknown or self.ifs not in (None, _DEFAULT_IFS)):
            raise Unknown("IFS")  # each element split with another IFS
        return " ".join(elements)

    def element(self, name: str, index: str, elements: list[str], *, length: bool) -> str:
        """``${a[I]}`` (``length``: ``${#a[I]}``) of the array ``name`` of ``elements``, I
        evaluated as Bash's arithmetic, as :meth:`subscripted` reads it."""
        if not index.strip(_BASH_BLANKS) or _SUBSCRIPT_REFUSED.search(index):
            raise Unknown(f"{name}[{index}]")
        position = self.evaluate(index)
        if position < 0 and name in self.arrays:
            position += len(elements)
        if position < 0:
            if length:
                raise Unknown(f"{name}[{index}]")  # Bash reads the rest otherwise
            self.error(f"{name}: bad array subscript")
        elif position < len(elements):
            value = elements[position]
            if length and not value.isascii():
                raise Unknown(value)  # its length depends on the locale
            return str(len(value)) if length else value
        elif length:
            return "0"
        if self.nounset:
            self.expansion_error(f"{name}[{index}]", "unbound variable")
        return ""

    def operand(self, word: str, *, quoted: bool) -> str:
        """The word of ``${X:-word}`` (``=``, ``?``, ``+`` too) as Bash 5.2 expands it: a
        word of its own, its quotes removed (a leading ``~``, the home directory, not
        interpreted); inside double quotes, read as their body is (``'`` is itself, a
        backslash escapes ``$``, a backquote, ``"``, ``\\`` and ``}``) but for the ``"`` it
        holds, removed (:func:`_double_operand_segments`)."""
        if not quoted:
            if _tilde(word):
                raise Unknown(word)  # the home directory
            return self.word(word)
        return "".join(self.variables(text, quoted=True) if kind == "double" else text
                       for kind, text in _double_operand_segments(word))

    def pattern_parameter(self, text: str) -> str:
        """``${#X}``, and ``${X#p}``... (:data:`_PATTERN_OPERATION`): X's value with the
        shortest (``#``, ``%``) or longest (``##``, ``%%``) prefix or suffix matching the
        glob ``p`` removed, or with its first (``/``), every (``//``), a leading (``/#``) or
        a trailing (``/%``) longest match of ``p`` replaced by ``s``. ``p`` as
        :meth:`glob_pattern` reads it; ``s`` expanded, its quotes removed (:meth:`replacement`).
        ``${X^^}`` and the like: :meth:`case_modified`.
        Not interpreted: other forms (``${X:1:2}``, ``${X^^p}``, ``${!X}``), ``${#X}`` of a
        non-ASCII value (its length depends on the locale), a value longer than
        :data:`PATTERN_VALUE_MAX`, an empty ``p`` or one with a quoted ``*`` after ``/``,
        and what those two methods refuse (where Bash versions differ, the locale decides,
        or Bash reads the text otherwise)."""
        if (m := _LENGTH.fullmatch(text)) is not None:
            value = self.set_value(m.group("name"))
            if not value.isascii():
                raise Unknown(text)
            return str(len(value))
        if (m := _CASE_MODIFICATION.fullmatch(text)) is not None:
            return self.case_modified(self.set_value(m.group("name")), m.group("op"))
        if (m := _PATTERN_OPERATION.fullmatch(text)) is None:
            raise Unknown("${" + text + "}")  # ${X:1:2}, ${X^^p}, ${!X}...
        value, op = self.set_value(m.group("name")), m.group("op")
        segments: Sequence[tuple[str, str]] = _segment_list(m.group("word"))
        replacement = ""
        if op[0] == "/":
            segments, replacement = self.replacement(segments)
            if not any(part for _, part in segments) or any(
                    "*" in part for kind, part in segments if kind != "bare"):
                # an empty pattern (${X/#/s} prepends s); a quoted `*` (Bash 5.2 does not
                # always replace the longest match then)
                raise Unknown(text)
        glob = self.glob_pattern(segments, value)
        if len(value) > PATTERN_VALUE_MAX:
            # matching tries every position: a long value takes the square of its length
            raise Unknown(f"a value of {len(value):,} characters")
        self.count_work(value, len(value) ** 2 // PATTERN_WORK)
        if op[0] != "/":
            return trim_glob(value, glob, op)
        if not value and glob.fullmatch(value):
            raise Unknown(text)  # Bash 5 replaces the empty match, Bash 4 does not
        return replace_glob(value, glob, op[1:], replacement)

    @staticmethod
    def case_modified(value: str, op: str) -> str:
        """``value`` as ``${X^^}`` (``op`` ``^^``), ``${X,,}``, ``${X^}`` or ``${X,}`` makes
        it: in upper or lower case, or its first character. Raises Unknown where the
        Tentacle's locale decides: text not ASCII, an ``i`` made upper case or an ``I``
        lower case (in the Turkish locales, ``İ`` and ``ı``)."""
        text = value if len(op) == 2 else value[:1]
        upper = op[0] == "^"
        if not text.isascii() or ("i" if upper else "I") in text:
            raise Unknown(value)
        changed = text.upper() if upper else text.lower()
        return changed + value[len(text) :]

    def set_value(self, name: str) -> str:
        """``name``'s value for an expansion ('' if unset; ``set -u``: Bash's error)."""
        value = self.value_of(name)
        if value is None and self.nounset and name not in _ARGUMENT_PARAMETERS:
            self.expansion_error(_unbound_name(name), "unbound variable")
        return value or ""

    def glob_pattern(self, segments: Sequence[tuple[str, str]], text: str, *,
                     whole: bool = False) -> re.Pattern[str]:
        """The pattern ``p`` of ``${X#p}`` and the like, or of a ``case`` (``p``'s
        :func:`_segments`), expanded, as Bash matches it against ``text``
        (:func:`_glob`)."""
        return _glob(self.pattern(segments), text, whole=whole)

    def replacement(self, segments: Sequence[tuple[str, str]]
                    ) -> tuple[Sequence[tuple[str, str]], str]:
        """``p/s``'s segments split at the first unquoted ``/``: ``p``'s, and ``s``
        expanded, its quotes removed (no ``/``: ``s`` is '')."""
        for n, (kind, text) in enumerate(segments):
            if kind == "bare" and "/" in text:
                before, _, after = text.partition("/")
                pattern = [*segments[:n], ("bare", before)]
                rest = [("bare", after), *segments[n + 1 :]]
                break
        else:
            return segments, ""
        out: list[str] = []
        for kind, text in rest:
            expanded = (self.variables(text, quoted=kind == "double")
                        if kind in ("bare", "double") else text)
            if kind in ("bare", "double") and ("&" in expanded or "\\" in expanded or (
                    kind == "bare" and "~" in expanded)):
                # Bash 5.2's patsub_replacement: & is the match, \\ a backslash (4.4: as
                # written); a bare ~ is the home directory
                raise Unknown(text)
            out.append(expanded)
        return pattern, "".join(out)

    def value_of(self, name: str) -> str | None:
        """A variable's value, or a special parameter's; None when unset."""
        if name == "?":
            if self.last is None:
                raise Unknown("$?")  # the status of a command not interpreted
            return str(self.last)
        if name in _ARGUMENT_PARAMETERS:
            args = self.arguments()
            if name == "*" and len(args) > 1 and self.ifs not in (
                    None, _DEFAULT_IFS):
                raise Unknown("$*")  # "$*" joins them with IFS's first character
            return str(len(args)) if name == "#" else " ".join(args)
        if ascii_digits(name):
            if name == "0":
                raise Unknown("$0")  # the script's path: not modelled
            args = self.arguments()
            return args[int(name) - 1] if len(name) <= 5 and int(name) <= len(args) else None
        if name in ("$", "!", "-"):
            raise Unknown("$" + name)  # process ids, the shell's flags: not modelled
        if name == "FUNCNAME":  # Bash's: the running function's name, unset outside one
            return self.frames[-1].function if self.frames else None
        if name in self.unknown:
            raise Unknown("$" + name)  # what a skipped statement may have set
        return self.getenv(name)

    def expansion_error(self, name: str, message: str) -> None:
        """``set -u`` on an unset variable, ``${X:?message}`` (``${1:?message}``: ``1:
        message``): Bash prints the error and the script exits with 1 (a subshell: the
        subshell)."""
        self.error(f"{name}: {message}")
        raise ScriptExit(1)


def _unbound_name(name: str) -> str:
    """How ``set -u``'s error names a variable: a positional parameter as ``$1``."""
    return "$" + name if ascii_digits(name) else name


#: The array ``[[ x =~ re ]]`` sets: not known after one (arrays are not modelled).
#: What may end the shell, or change what does: builtins (``exit``, ``exec``, ``set``...),
#: Calamari's ``fail_step``, ``kill`` (``kill $$``); a script's functions too.
_MAY_END = frozenset({"exit", "return", "exec", "fail_step", "source", ".", "eval", "set",
                      "shopt", "trap", "command", "builtin", "enable", "kill", "time",
                      "logout"})
#: Reserved words before which a command may not be read as written: ``time``, ``coproc``.
_MAY_END_WORDS = frozenset({"time", "coproc", "function", "case", "for", "select", "while",
                            "until", "if"})
#: An expansion that may fail (Bash's fatal error): ``${X:?}``, ``${X?}``, a form Bash may
#: refuse or whose arithmetic may fail (``${X:1:2}``, ``${!X}``, ``${vā}``: any but ``${X}``,
#: ``${#X}`` and the defaults', patterns' and case changes'), ``$[...]``.
_MAY_FAIL_EXPANSION = re.compile(
    rf"\$\{{(?!#?{SH_NAME}(?:\[(?:[0-9]+|[@*])\])?(?:\}}|:?[-+=]|##?|%%?|/|\^|,"
    r"|:[0-9]+(?::[0-9]+)?\}))|\$\[")
#: A word that is a redirection (``>f``, ``2>&1``, ``<in``, ``&>f``), and one that cannot
#: fail: to a standard descriptor or ``/dev/null`` (its operator alone: the next word is
#: the file).
_REDIRECTION_WORD = re.compile(r"[0-9]*[<>]|&>")
_SAFE_REDIRECTION = re.compile(r"[12]?>&[12]|(?P<op>(?:[12]?|&)>>?)(?:/dev/null)?")


def _safe_redirections(words: Sequence[str]) -> bool:
    """Whether every redirection among ``words`` is one that cannot fail."""
    target = False
    for word in words:
        if target:
            if word != "/dev/null":
                return False
            target = False
        elif _REDIRECTION_WORD.match(word):
            m = _SAFE_REDIRECTION.fullmatch(word)
            if m is None:
                return False
            target = m.group("op") == word
    return not target

_REMATCH = "BASH_REMATCH"
#: Bash's IFS when a script starts: field splitting at space, tab and newline.
_DEFAULT_IFS = " \t\n"
#: The builtins whose ``NAME=value`` arguments are assignments: neither split nor matched
#: against file names (their braces are still expanded: ``export X={a,b}`` sets X to b).
_DECLARATIONS = frozenset({"export", "local", "declare", "typeset", "readonly"})
#: A word Bash reads as an assignment, whatever its position: a ``~`` after its ``=`` or a
#: ``:`` is the home directory (``echo PATH=a:~/bin`` prints the home directory's path).
_ASSIGNMENT_LIKE = re.compile(rf"{SH_NAME}\+?=")
#: What makes an unquoted text a file name pattern: ``*``, ``?``, or a ``[`` with a ``]``
#: after it (Bash's unquoted_glob_pattern_p).
_GLOB = re.compile(r"[*?]|\[.*\]", re.DOTALL)


def _file_expansion(raw: str, segments: Sequence[tuple[str, str]], *, assignment: bool,
                    braces: bool = True) -> None:
    """Raise Unknown when Bash would expand the word ``raw`` (``segments``: its parts,
    expanded) with what the simulator does not model: the home directory (a leading bare
    ``~``; in a word written ``NAME=...``, one after the ``=`` or a ``:``), brace expansion
    (``{a,b}``, ``{1..3}``; with ``braces``: not in an assignment, but in a declaration's
    ``export X={a,b}``) and, but in an ``assignment`` (a declaration's too), the names of
    the files a pattern matches (its unquoted text, a variable's value too, with
    a ``*``, a ``?`` or a ``[...]``: ``*.log``, ``$P`` holding ``*``). Bash prints such a
    pattern as written only when no file matches it, which the simulator cannot know."""
    if "~" in raw and (_tilde(raw) or ((m := _ASSIGNMENT_LIKE.match(raw)) and (
            _tilde(raw[m.end() :]) or any(kind == "bare" and ":~" in text
                                          for kind, text in _segment_list(raw))))):
        raise Unknown(raw)
    if "{" in raw and braces:
        bare = _unquoted_text(raw)
        if "{" in bare and "}" in bare and ("," in bare or ".." in bare):
            raise Unknown(raw)
    if assignment:
        return
    for kind, text in segments:
        if kind == "bare" and ("*" in text or "?" in text or ("[" in text and _GLOB.search(
                "".join(part if k == "bare" else "\0" for k, part in segments)))):
            raise Unknown(raw)


def _here_string(raw: str) -> None:
    """``<<< WORD``: Bash expands WORD, in the shell or in the command's own process
    depending on the command; one holding a ``$`` or a backquote (its expansions may assign
    or fail) is not interpreted."""
    if "$" in raw or "`" in raw:
        raise Unknown(raw)


# Memoised: pure functions of the text, which a loop or a function runs again and again.
@functools.lru_cache(maxsize=1024)
def _and_or_parts(piece: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pipelines of an ``&&``/``||`` list, and the operators between them."""
    ops = tuple(m.group(0) for i in sh_top_level(piece) if (m := _LIST_OP.match(piece, i)))
    return tuple(sh_split(piece, _LIST_OP)), ops


@functools.lru_cache(maxsize=1024)
def _stages(text: str) -> tuple[str, ...]:
    """The commands of a pipeline."""
    return tuple(sh_split(text, _PIPE))


@functools.lru_cache(maxsize=1024)
def _words(text: str) -> tuple[str, ...]:
    return tuple(split_words(text))


@dataclass
class _Conditional:
    """The words of a ``[[ ]]`` (``raws``, as written) for :func:`test_expression`: each
    expanded when it is reached, as Bash expands it there (not split; a leading ``~``, the
    home directory, not interpreted); the right-hand side of ``==`` read as a ``case``
    pattern is (what that refuses is not known)."""

    shell: _Shell
    raws: list[str]

    def value(self, j: int) -> str:
        raw = self.raws[j]
        if _tilde(raw):
            raise Unknown(raw)  # the home directory
        return self.shell.word(raw)

    def matches(self, subject: str, j: int) -> bool | None:
        segments = self.shell.pattern(_segment_list(self.raws[j]))
        try:
            return self.shell.whole_match(subject, segments)
        except Unknown:
            return None  # a pattern case refuses (its expansions, done, count as Bash's)

    def form(self, j: int) -> str:
        return _form(self.raws[j])

    def pure(self, j: int) -> bool:
        return self.shell.pure(self.raws[j])

    def integer(self, j: int) -> int:
        return self.shell.arithmetic_of(self.value(j))


def _tilde(raw: str) -> bool:
    """Whether the word ``raw`` starts with a bare ``~``: Bash's home directory (``~``,
    ``~/x``) or a user's (``~octo``), which a ``[[ ]]`` operand, a ``case`` word and a bare
    ``${X:-word}``'s word are expanded to."""
    segments = _segment_list(raw)
    return bool(segments) and segments[0][0] == "bare" and segments[0][1].startswith("~")


def _glued_bracket(raw: str) -> bool:
    """Whether the ``[[ ]]`` word ``raw`` has a bare ``(`` or ``)`` but is not one: Bash
    reads those as words of their own (``(a`` is ``(`` then ``a``), or an extended glob."""
    return raw not in ("(", ")") and any(
        kind == "plain" and raw[start] in "()" for kind, start, _ in sh_parts(raw))


#: A ``${...}`` holding a quote or a backslash after its ``{``.
_QUOTED_IN_EXPANSION = re.compile(r"""\$\{[^}]*["'\\]""")


def _glob(segments: Sequence[tuple[str, str]], text: str, *, whole: bool) -> re.Pattern[str]:
    """A pattern's expanded segments (:meth:`_Shell.expanded`) as Bash matches them against
    ``text``: quoted parts match themselves, the rest (variables' values too) is a glob
    (:func:`glob_atoms`). Raises :class:`Unknown` where Bash reads the glob otherwise
    (:func:`_unmodelled_glob`), for a range written backwards (``[z-a]``: Bash matches
    nothing), and for a non-ASCII ``text`` that a ``?`` or a bracket would take a character
    of (a byte in the C locale). At most one ``*`` unless the match is of the ``whole``
    text: the expansions try a match at every position and want the longest, which more
    could make backtrack for ages (:func:`_glob_regex` matches a whole text without
    backtracking)."""
    atoms: list[str] = []
    takes_characters = False
    quoted = any(kind != "bare" for kind, _ in segments)
    for kind, part in segments:
        if kind != "bare":
            atoms.append(re.escape(part))
            continue
        if _unmodelled_glob(part, quoted):
            raise Unknown(part)
        takes_characters = takes_characters or "?" in part or "[" in part
        atoms.extend(glob_atoms(part))
    if not whole and atoms.count(GLOB_STAR) > 1:
        raise Unknown("".join(atoms))
    if takes_characters and not text.isascii():
        raise Unknown(text)  # ? and [...] take a character, or in the C locale a byte
    try:
        return re.compile(_glob_regex(atoms), re.DOTALL)
    except re.error:
        raise Unknown("".join(atoms)) from None  # [z-a]: Bash matches nothing


def _unmodelled_glob(pattern: str, quoted: bool) -> bool:
    """Whether Bash reads the bare glob ``pattern`` (after expansion: a variable's value too)
    otherwise than :func:`glob_atoms` does, in a word with ``quoted`` parts or not: a
    backslash (an escape, even from a variable's value), a tilde (the home directory), a
    bracket with quoted members (``["]"]``) or one Bash reads otherwise
    (:func:`_plain_brackets`), a bracket in non-ASCII text (a range to a character beyond
    Latin-1 follows the locale's collation: Bash's charcmp_wc)."""
    if "\\" in pattern or "~" in pattern:
        return True
    return "[" in pattern and (quoted or not pattern.isascii() or not _plain_brackets(pattern))


def _glob_regex(atoms: Sequence[str]) -> str:
    """:func:`glob_atoms`' atoms as one regular expression. Each ``*`` but the last takes
    what follows it, up to the next ``*``, at its first place and keeps it (an atomic
    group): what lies between two ``*`` is of one length, so its first place leaves the
    most room to the rest, and a whole match is found, if there is one, without
    backtracking (``*a*a*a*b`` took Python's regex 90 s on a thousand ``a``). Right for a
    match of a whole text only; with one ``*`` it is the plain ``.*``."""
    stars = [i for i, atom in enumerate(atoms) if atom == GLOB_STAR]
    if not stars:
        return "".join(atoms)
    out = list(atoms[: stars[0]])
    for star, following in itertools.pairwise(stars):
        out.append("(?>.*?" + "".join(atoms[star + 1 : following]) + ")")
    out.extend(atoms[stars[-1] :])
    return "".join(out)


def _plain_brackets(pattern: str) -> bool:
    """Whether every ``[`` of a glob opens a bracket expression that closes and does not
    start with ``]`` (Bash 5.2 matches such ones, and unclosed ones, its own way)."""
    i = pattern.find("[")
    while i >= 0:
        j = i + 1 + (pattern[i + 1 : i + 2] in ("!", "^"))
        if pattern[j : j + 1] == "]" or pattern.find("]", j) < 0:
            return False
        i = pattern.find("[", pattern.find("]", j))
    return True


@functools.lru_cache(maxsize=1024)
def _segment_list(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple(_segments(raw))


def _segments(raw: str) -> Iterator[tuple[str, str]]:
    """The parts of a word as written, quotes removed: (``single``, text), (``double``,
    text still to expand), (``escaped``, a character), (``bare``, text still to expand).
    ``$'...'`` is a ``single`` part, its escapes decoded (Unknown for those not
    interpreted)."""
    bare_start: int | None = None
    for kind, start, end in sh_parts(raw, comments=False):  # `#` starts no comment in a word
        if kind in ("plain", "expansion", "arithmetic", "heredoc"):
            bare_start = start if bare_start is None else bare_start
            continue
        if bare_start is not None:
            yield "bare", raw[bare_start:start]
            bare_start = None
        if kind == "escaped":
            yield "escaped", raw[start + 1 : end].replace("\n", "")  # \<newline>: gone
            continue
        body_start, body_end = quoted_body(raw, kind, start, end)
        if kind == "single":
            yield "single", raw[body_start:body_end]
        elif kind == "ansi":
            yield "single", ansi_c(raw[body_start:body_end])
        else:
            yield from _double_segments(raw, body_start, body_end)
    if bare_start is not None:
        yield "bare", raw[bare_start:]


def _double_segments(raw: str, start: int, end: int) -> Iterator[tuple[str, str]]:
    """The body of a double-quoted string: (``double``, text still to expand) and
    (``escaped``, a character a backslash made literal, ``\\$`` too)."""
    chunk: list[str] = []
    for kind, at, stop in sh_parts(raw, start, end, quoted=True):
        if kind == "escaped":
            yield "double", "".join(chunk)
            chunk = []
            yield "escaped", raw[at + 1 : stop].replace("\n", "")
        else:
            chunk.append(raw[at:stop])
    yield "double", "".join(chunk)


def _double_operand_segments(word: str) -> Iterator[tuple[str, str]]:
    """The word of a ``${X:-word}`` inside double quotes, as Bash 5.2 reads it: (``double``,
    text still to expand) and (``escaped``, a character: ``\\$``, ``\\}``...); a ``"``
    in it is removed, a ``'`` is itself. Raises :class:`Unknown` for ``$'...'`` (Bash
    decodes it there) and a backslash inside its own ``"..."`` (Bash drops every one
    there: ``"${X:+"\\a"}"`` is ``a``)."""
    chunk: list[str] = []
    nested = False  # inside the word's own "..."
    escaped_brace = False  # the } of a \} just read
    for kind, at, stop in sh_parts(word, quoted=True):
        c, following = word[at], word[at + 1 : at + 2]
        if escaped_brace:
            escaped_brace = False
            continue
        if (c == "\\" and nested) or (kind == "plain" and c == "$" and following == "'"):
            raise Unknown(word)
        if kind == "plain" and c == "\\" and following == "}":
            kind, stop, escaped_brace = "escaped", at + 2, True
        if kind == "escaped":
            yield "double", "".join(chunk)
            chunk = []
            yield "escaped", word[at + 1 : stop].replace("\n", "")
        elif kind == "plain" and c == '"':
            nested = not nested
        else:
            chunk.append(word[at:stop])
    yield "double", "".join(chunk)


def _unquoted_text(raw: str) -> str:
    """What ``raw`` holds outside quotes and escapes, without its ``${...}`` expansions."""
    bare = "".join(text for kind, text in _segments(raw) if kind == "bare")
    return re.sub(r"\$\{[^}]*\}", "", bare)


def _stage_status(stage: str) -> int | None:
    """The status of a pipeline's command before the last (which is not run): known for
    ``echo``/``printf``/``true``/``:`` (0) and ``false`` (1) only."""
    words = strip_sudo(split_words(stage))
    name = words[0] if words else ""
    if name in ("echo", "printf", "true", ":"):
        return 0
    return 1 if name == "false" else None


@functools.lru_cache(maxsize=1024)
def _unquoted_dollar(raw: str) -> bool:
    """Whether ``raw`` has an expansion outside quotes (which Bash splits at blanks)."""
    return "$" in raw and any(
        kind == "expansion" or (kind == "plain" and raw[start] == "$")
        for kind, start, _ in sh_parts(raw))


@functools.lru_cache(maxsize=1024)
def _form(raw: str) -> str:
    """How a word was written: ``bare``, ``quoted`` (one quoted string) or ``mixed``."""
    if not any(c in raw for c in "'\"\\") or all(
            kind == "bare" for kind, _ in _segment_list(raw)):  # quotes inside a $(...)
        return "bare"
    parts = list(itertools.islice(sh_parts(raw), 2))
    if len(parts) == 1 and parts[0][0] in ("single", "ansi", "double"):
        return "quoted"
    return "mixed"


def _matching(pieces: Sequence[str], i: int, opener: str, closer: str) -> int:
    """Index of the piece closing ``pieces[i]``: ``fi`` for ``if``, ``done`` for a loop of
    any kind (``for`` inside ``while`` is closed by its own ``done``), ``esac``."""
    openers = _LOOPS if opener in _LOOPS else frozenset({opener})
    depth = 0
    for j in range(i, len(pieces)):
        word = _first(pieces[j])
        depth += (word in openers) - (word == closer)
        if depth == 0:
            return j
    return len(pieces) - 1


def _lines(text: str) -> list[str]:
    """``text``'s lines (a rest after the last newline one too), as written to a file."""
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
