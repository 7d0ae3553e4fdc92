"""Bash's quoting, read in one place (``_sh_text.sh_parts``): every scanner of the Bash
interpreter (statements, words, ``case``, here-documents, Calamari's variables) agrees on
where a quote, a substitution, a comment or a here-document's body begins and ends."""

from __future__ import annotations

import pytest

from octosim.model.scripts import ScriptResult
from octosim.model.scripts._sh_text import case_statements, sh_parts, split_words
from tests.model.test_scripts_bash_flow import bash, real_bash


def test_the_parts_of_a_line() -> None:
    text = "a \\x 'b' $'c\\'d' \"e $(f \"g\") h\" ${i} `j` # k"
    kinds = [(kind, text[start:end]) for kind, start, end in sh_parts(text)
             if kind != "plain"]
    assert kinds == [("escaped", "\\x"), ("single", "'b'"), ("ansi", "$'c\\'d'"),
                     ("double", '"e $(f "g") h"'), ("expansion", "${i}"),
                     ("expansion", "`j`"), ("comment", "# k")]


def test_a_here_document_body_is_one_part_when_asked() -> None:
    text = "cat <<'EOF' # it's\nit's data\nEOF\necho 'x'"
    kinds = [(kind, text[start:end]) for kind, start, end in sh_parts(text, heredocs=True)
             if kind not in ("plain", "comment")]
    assert kinds == [("single", "'EOF'"), ("heredoc", "it's data\nEOF\n"), ("single", "'x'")]


# -- the copies that disagreed, now read as Bash reads them ---------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # $'...' is ANSI-C quoting: `\'` does not end it, its escapes are decoded, it is no `$`
    # to split (each scanner read `$` then a single-quoted string ending at `\'`).
    ("echo $'a\\tb'", ["a\tb"]),
    ("echo $'it\\'s'; echo x", ["it's", "x"]),
    ("echo $'two  blanks'", ["two  blanks"]),
    ("echo $'\\x41\\101'", ["AA"]),
    ("echo $'\\u00e9'; echo after", ["after"]),  # \u: not interpreted
    ("[[ 'x*' == $'x*' ]] && echo literal", ["literal"]),  # quoted: no pattern
    # In double quotes a backslash makes `$` literal (it was expanded).
    ('echo "\\$HOME x"', ["$HOME x"]),
    ('X=1; echo "\\${X} \\\\$X"', ["${X} \\1"]),
])
def test_quoting_as_bash_reads_it(body: str, printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed


@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2 in a UTF-8 locale: the bytes of é, where the simulator printed two characters
    # (Ã©); a byte of 0x80 or more, in hex or octal, is not interpreted, nor are \u and \U
    # (their text depends on the locale)
    ("echo $'\\xc3\\xa9'; echo after", ["é", "after"]),
    ("echo $'\\303\\251'; echo after", ["é", "after"]),
    ("x=$'\\x80'; echo ${#x}; echo after", ["1", "after"]),
    ("echo $'\\u00e9' $'\\U0001F600'; echo after", ["é 😀", "after"]),
    # below 0x80 a byte is the character; 0o400 is 0 (a NUL: the end), 0o477 is `?`
    ("echo $'\\x41\\101\\x7e' $'a\\400b' $'\\477'", ["AA~ a ?"]),
])
def test_ansi_c_bytes_beyond_ascii_are_not_interpreted(body: str, printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == (printed if "$'\\x41" in body else ["after"])
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize("body", [
    # An apostrophe in a comment or a here-document's body opened a quote for the scanner
    # that finds Calamari's $(get_octopusvariable ...): the value was put in quoted wrongly.
    "# don't\nJ=\"$(get_octopusvariable Java.Home)\"\necho \"$J\"",
    "cat <<EOF\nit's\nEOF\nJ=\"$(get_octopusvariable Java.Home)\"\necho \"$J\"",
    "J=$(get_octopusvariable Java.Home)\necho \"$J\"",
])
def test_calamari_variables_are_quoted_for_where_they_stand(body: str) -> None:
    _, _, host = bash(body)
    assert host.lines() == ["/opt/java 21"]


def test_calamari_variable_in_single_quotes_is_text() -> None:
    _, _, host = bash("echo '$(get_octopusvariable Java.Home)' # it's")
    assert host.lines() == ["$(get_octopusvariable Java.Home)"]


def test_a_substitution_in_double_quotes_may_hold_quotes() -> None:
    # The word scanner ended the string at the inner quote: the case word was cut short.
    _, found = case_statements('case "$(echo "a b")" in x) echo;; esac')
    assert [case.word for case in found] == ['"$(echo "a b")"']
    assert split_words("echo $'it\\'s x' y") == ["echo", "$'it\\'s x'", "y"]


def test_an_escaped_backquote_does_not_end_a_command_substitution() -> None:
    assert split_words("echo `echo \\` a` b") == ["echo", "`echo \\` a`", "b"]


# -- statements: where they end ------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2's output. A `[` or a `{` in a word groups nothing: the splitter counted it as a
    # bracket and read on past the line's end (`[a echo end` was printed, one line)
    ("echo [a\necho end", ["[a", "end"]),
    ("echo {a\necho end", ["{a", "end"]),
    ("echo a[ {\necho end", ["a[ {", "end"]),
    ("echo [a; echo b]", ["[a", "b]"]),  # it printed `[a; echo b]`
    ("echo [a && echo b", ["[a", "b"]),
    ("echo {a;b}", ["{a"]),  # then `b}`, a command not found
    ("case a in [a) echo A;; esac\necho end", ["end"]),  # `[a` matches itself only
    # `{` and `}` are reserved words only as words of their own where a command starts
    ("{ echo }; }", ["}"]),  # it printed an empty line: the group ended at the first }
    ("{ { echo a; } }", ["a"]),
    ("{ (echo b) }", ["b"]),
    ("f(){ echo fn; }; f", ["fn"]),
    ("function f {\n echo in f\n}\nf", ["in f"]),
    # [[ ]] is read across lines and its && and || are its own
    ("[[ a == a &&\n b == b ]] && echo yes", ["yes"]),
    ("[[\n a == a ]] && echo yes", ["yes"]),
    ("[[ ( a == a\n) ]] && echo yes", ["yes"]),
    ("[[ a == b || a == a ]] && echo yes", ["yes"]),
])
def test_a_statement_ends_where_bash_ends_it(body: str, printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed
    assert real_bash(body) in (None, printed)


# -- words Bash expands with the file system -------------------------------------------------------
@pytest.mark.parametrize("body", [
    # Bash 5.2 prints each as written only when no file matches it (in an empty directory),
    # else the names of the files (a Tentacle's working directory holds the script and its
    # packages): not interpreted. Each was printed as written.
    "echo *", "echo *.txt", "echo a?c", "echo [ab].txt", "printf '%s\\n' *",
    "x='*'; echo $x", 'echo "a"*', "echo a=*",  # a variable's value, a word not assigning
    "let y=x*2",  # let's argument y=x*2 is a pattern too
    "echo hi > /etc/environmen?",  # the file it matches
    # brace expansion: `a b`, `a1 a2 a3`, `a b` (it printed them as written), and x is b
    "echo {a,b}", "echo a{1..3}", 'echo {a,"b"}', "export x={a,b}",
])
def test_a_word_bash_expands_with_the_file_system_is_not_interpreted(body: str) -> None:
    _, result, host = bash(body + "\necho after")
    assert host.lines() == ["after"] and result == ScriptResult(), host.out
    assert real_bash("echo *.txt a?c {a,b}", files=("a.txt", "abc")) in (
        None, ["a.txt abc a b"])


@pytest.mark.parametrize(("body", "printed"), [
    # quoted, escaped, an assignment's (a declaration's too), a bracket never closed: Bash
    # 5.2 prints these as written, whatever files there are
    ("echo \"*\" '?' \\* \"a\"'[b]'", ["* ? * a[b]"]),
    ("echo [a a] [ ] a]", ["[a a] [ ] a]"]),
    ('z=*; echo "$z"; export y=[ab]; echo "$y"', ["*", "[ab]"]),
    ('f() { local w=a?; echo "$w"; }; f', ["a?"]),
    ("z={e,f}; echo \"$z\" {a} {} \"{a,b}\" \\{a,b}", ["{e,f} {a} {} {a,b} {a,b}"]),
    # a word written NAME=... that is no assignment is split (it was not: [a=1 2])
    ("x='1 2'; printf '[%s]\\n' a=$x; export b=$x; echo \"$b\"", ["[a=1]", "[2]", "1 2"]),
])
def test_a_word_bash_never_expands_with_the_file_system(body: str, printed: list[str]
                                                        ) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed
    assert real_bash(body, files=("ab", "a.txt", "a1", "a=1", "e", "ea")) in (None, printed)


# -- the home directory ---------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    # Bash 5.2 writes the home directory's path for each ~ (each was printed as a ~)
    "echo ~", "echo ~/x", "echo ~root", "x=~/a", "x=a:~/b",
    "export PATH=$PATH:~/bin", "echo PATH=a:~/bin",  # a word written NAME=...: after = or :
    "echo hi > ~/log",
])
def test_the_home_directory_is_not_interpreted(body: str) -> None:
    _, result, host = bash(body + "\necho after")
    assert host.lines() == ["after"] and result == ScriptResult(), host.out
    home = real_bash('echo ~ a=~/x "$HOME"')
    assert home is None or home[0] == "{0} a={0}/x {0}".format(home[0].split()[-1])


@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2: a ~ quoted, escaped, not first, or after : in a word not written NAME=...
    ('echo "~" \\~ a~ a:~/c; x=a~; y=a=~; echo $x $y', ["~ ~ a~ a:~/c", "a~ a=~"]),
])
def test_a_tilde_bash_leaves_alone(body: str, printed: list[str]) -> None:
    _, _, host = bash(body)
    assert host.lines() == printed
    assert real_bash(body) in (None, printed)


# -- redirections written against a word, and input redirections ---------------------------------
@pytest.mark.parametrize(("body", "out"), [
    # A redirection written against the word before it was printed as part of it.
    ("echo hi>/dev/null; echo x", [("info", "x")]),
    ("echo a>&2", [("error", "a")]),
    ("echo x2>&1", [("info", "x2")]),  # `x2` is no fd number: a word, then `>&1`
    ("echo a&>/dev/null; echo b", [("info", "b")]),
    ('echo "a>b" a\\>b', [("info", "a>b a>b")]),  # quoted or escaped: text
    # What echo reads does not change what it prints (the redirection was printed).
    ("echo hi <<EOF\nbody\nEOF", [("info", "hi")]),
    ("echo hi<<-'EOF'\n\tbody\n\tEOF", [("info", "hi")]),
    ("echo a <<< b; echo c <<<d", [("info", "a"), ("info", "c")]),
    ("echo hi < /etc/environment", [("info", "hi")]),
    # Any other file may not exist (Bash's error, echo not run): not interpreted.
    ("echo hi < /tmp/f; echo after", [("info", "after")]),
    # In [[ ]], `>` compares strings (it was a redirection: the test was `[[ a ]]`, true).
    ("[[ a > b ]] && echo gt; echo after", [("info", "after")]),
])
def test_redirections_are_no_words(body: str, out: list[tuple[str, str]]) -> None:
    _, result, host = bash(body)
    assert host.out == out and not result.failed


def test_split_words_ends_a_word_at_a_redirection() -> None:
    assert split_words("echo a>x 2>&1 b<y c&>z 12>w") == [
        "echo", "a", ">x", "2>&1", "b", "<y", "c", "&>z", "12>w"]


@pytest.mark.parametrize("body", [
    "f() {\n  echo a <<EOF\nbody\nEOF\n  echo b\n}\nf",
    "{ echo a <<EOF\nbody\nEOF\necho b; }",
    "( echo a <<EOF\nbody\nEOF\necho b )",
    "case x in x) echo a <<EOF\nbody\nEOF\necho b;; esac",
    "if true; then\n  echo a <<EOF\nbody\nEOF\n  echo b\nfi",
])
def test_a_here_document_in_a_body_keeps_the_lines_after_it(body: str) -> None:
    # The bodies of a group, a subshell, a function or a case clause were taken out of the
    # script once, and again when the body ran: the lines after `<<EOF` were read as its body.
    _, result, host = bash(body + "\necho after")
    assert host.lines() == ["a", "b", "after"] and result == ScriptResult()


@pytest.mark.parametrize(("body", "printed"), [
    # a body's expansions are not read: they may fail, which ends the script (bash 5.2 ends
    # the last one with `UNSET: unbound variable`, where `after` was printed), so what follows
    # is not known either
    ('echo a <<EOF\n$((x = 5))\nEOF\necho "x=$x"', []),
    ('echo a << EOF\n${x:=5}\nEOF\necho "x=$x"', []),
    ('echo a <<-EOF\n\t$((x = 5))\n\tEOF\necho "x=$x"', []),
    ('f() { echo a; }\nf <<EOF\n$((x++))\nEOF\necho "x=$x"', []),
    ('set -u\necho a <<EOF\n$UNSET\nEOF', []),
    ('echo a <<EOF\n${U:?x}\nEOF', []),
    # a here-string's word is: it cannot fail
    ('echo a <<< $((x = 5)); echo "x=$x"', ["after"]),
    ('echo a <<<"${x:=5}"; echo "x=$x"', ["after"]),
])
def test_a_here_document_or_string_bash_expands_is_not_interpreted(body: str,
                                                                   printed: list[str]) -> None:
    # Bash expands an unquoted delimiter's body and a here-string: they may assign, or fail
    # (set -u, ${X:?}), in the shell or in the command's process. The statement is skipped
    # and what it may assign is unknown (it was skipped unexpanded: `x=` was printed).
    _, result, host = bash(body + "\necho after")
    assert host.lines() == printed and result == ScriptResult()


@pytest.mark.parametrize("body", [
    "echo a <<'EOF'\n$((x = 5))\nEOF\necho \"x=$x\"",
    'echo a <<"EOF"\n${x:=5}\nEOF\necho "x=$x"',
    'echo a <<\\EOF\n`x=5`\nEOF\necho "x=$x"',
    "echo a <<EOF\nplain text, it's data\nEOF\necho \"x=$x\"",
])
def test_a_here_document_bash_does_not_expand_is_data(body: str) -> None:
    _, result, host = bash(body)
    assert host.lines() == ["a", "x="] and result == ScriptResult()


def test_an_ansi_c_string_ends_at_a_nul_as_bash_s() -> None:
    _, result, host = bash("echo $'a\\0b'x $'c\\x00d'y $'e\\000f'")
    assert host.lines() == ["ax cy e"] and result == ScriptResult()


# -- ${...}: where it ends, and its word's quotes -----------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2's output. A ${...} ends at its first } outside quotes and nested ${...}: a {
    # alone opens nothing (the scanner counted it, and read on past the line's end)
    ("X='?]\\]'; echo \"[${X%%\\${v}\"\"}]\"", ["[?]\\]}]"]),
    ("X='.]\\]'; echo ${X%%\\${v}\"\"}]", [".]\\]}]"]),  # bare: no file name pattern
    ('X=1; echo "${X:-{a}}" ${X:-{a}}', ["1} 1}"]),
    ('unset X; echo "${X:-{a}}"', ["{a}"]),
    ('X=ab; echo "${X#{}" ${X%{a}} "${X%b}}"\necho next', ["ab ab} a}", "next"]),
    # a nested ${...} is read whole (the first } ended the outer one: `1}`)
    ('X=1; echo "${X:-${Y}}" ${X:-${Y}}', ["1 1"]),
    ('unset X; Y=2; echo "${X:-${Y}}"', ["2"]),
    ('X=1; echo "${X:+${Y:-q}}" "${X:+${Y:-{q}}}"', ["q {q}"]),
    # the word's quotes are removed (they were printed); in double quotes a ' is itself
    ('X=1; echo "${X:+"q"}" ${X:+"q"}', ["q q"]),
    ('unset X; Y=y; echo "${X:-a"b c"d}" "${X:-"$Y"}" "${X:-\\"}" "${X:-\\a}" "${X:-\\}}"',
     ['ab cd y " \\a }']),
    ("unset X; Y=y; echo \"${X:-'$Y'}\" \"${X:-\"a'b\"}\" \"${X:-\\$Y}\" \"${X:-\"$Y\"'x'}\"",
     ["'y' a'b $Y y'x'"]),
    ("unset X; Y=y; echo ${X:-'ab'} ${X:-\"cd\"} ${X:-e\\f} ${X:-\\}} ${X:-'$Y'}",
     ["ab cd ef } $Y"]),
    ('unset X; Y=${X:-"/usr/lib/jvm/default"}; echo "$Y"', ["/usr/lib/jvm/default"]),
    ("unset X; Y=y; echo \"${X:-\"${Y:-\"z\"}\"}\" \"${X:-${U:-\"z\"}}\"", ["y z"]),
    # a # in ${...} starts no comment (the rest of the script was read as one)
    ('unset X; echo ${X:-a #b} "${X:-c #d}"; echo next', ["a #b c #d", "next"]),
    ("unset X; echo ${X:-#'b'} ${X:-#\\b}", ["#b #b"]),
    ('unset X; echo $(( ${X:-"2"} + 1 ))', ["3"]),
    # ~ in double quotes, quoted, or not first: itself
    ('unset X; echo "${X:-~}" ${X:-"~"} ${X:-a~} "${X:=~/x}" "$X"', ["~ ~ a~ ~/x ~/x"]),
])
def test_a_braced_expansion_as_bash_reads_it(body: str, printed: list[str]) -> None:
    _, result, host = bash(body)
    assert host.lines() == printed and result == ScriptResult(), host.out


@pytest.mark.parametrize("body", [
    "unset X; echo \"${X:-$'a\\tb'}\"",  # bash 5.2 decodes it in double quotes: a tab
    'X=1; echo "${X:+"\\{"}" "${X:+a"\\a"b}"',  # bash 5.2: `{ aab` (it was `\{ a\ab`)
    "unset X; echo ${X:-~}",  # bare, ~ is the home directory (it was read as the letter)
    'unset X; echo ${X:=~/x}; echo "$X"',
])
def test_a_braced_word_not_interpreted(body: str) -> None:
    _, result, host = bash(body + "\necho after")
    assert host.lines() == ["after"] and result == ScriptResult(), host.out


# -- names: ASCII, as Bash's ----------------------------------------------------------------------
@pytest.mark.parametrize(("body", "printed"), [
    # bash 5.2's output: $vā is $v then ā (it was an unset vā: nothing)
    ('v=x; echo "$vā" $vā "${v}ā"', ["xā xā xā"]),
    ("unset vā && echo unset", ["unset"]),  # a function's name, which may be any word
    # Bash's errors (a command not found, bad substitution, not a valid identifier...): not
    # interpreted (each was a name: assigned, expanded, exported, looped over)
    ("vā=1 && echo assigned", []),
    ("export wā=1 && echo exported", []),
    ("for ā in 1; do echo looped; done", []),
])
def test_a_name_is_ascii_as_bash_s(body: str, printed: list[str]) -> None:
    _, result, host = bash(body + "\necho end")
    assert host.lines() == [*printed, "end"] and result == ScriptResult(), host.out


@pytest.mark.parametrize("body", [
    # Bash's errors (bad substitution, an arithmetic syntax error): Bash abandons the command
    # it read last, the whole line (`; echo end` there was printed), status 1, and goes on
    # at the next; not interpreted, and as where Bash goes on is not followed, what follows
    # is not known
    'echo "${vā:-d}"',
    "v=1; echo $((vā+1))",
    "echo $((1ā))",
    # in $((...)) a braced word is read as in double quotes: '1' is Bash's syntax error
    "unset X; echo $(( ${X:-'1'} + 1 ))",
])
def test_an_expansion_bash_fails_on_ends_what_is_known(body: str) -> None:
    body += "; echo end"
    _, result, host = bash(body + "\necho next")
    assert host.lines() == [] and result == ScriptResult(), host.out
    assert real_bash(body) in (None, [])
