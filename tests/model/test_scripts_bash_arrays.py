"""Bash's indexed arrays as the interpreter reads them: ``a=(x y)``, ``a+=(z)``, ``${a[0]}``,
``${a[i+1]}``, ``${a[-1]}``, ``$a``, ``"${a[@]}"``, ``${a[*]}``, ``${#a[@]}``, ``${!a[@]}``,
``for x in "${a[@]}"``; every other use of an array not known. Each expected answer is
checked against Bash 5.2 where this machine has it
(:func:`~tests.model.test_scripts_bash_flow.real_bash`)."""

from __future__ import annotations

import pytest

from tests.model.test_scripts_bash_flow import bash, real_bash


def _run(body: str) -> tuple[list[str], list[str], int]:
    _, result, host = bash(body)
    return host.lines(), host.lines("error"), result.exit_code


@pytest.mark.parametrize(("body", "printed"), [
    # elements as words, quoted or split
    ('a=(x "y z" \'\'); printf "<%s>" "${a[@]}"; echo', ["<x><y z><>"]),
    ('a=(x "y z" \'\'); printf "<%s>" ${a[@]}; echo', ["<x><y><z>"]),
    ('a=(x "y z" \'\'); printf "<%s>" ${a[*]}; echo', ["<x><y><z>"]),
    ('a=(x "y z" \'\'); printf "<%s>" "${a[*]}"; echo', ["<x y z >"]),
    ('a=(x y); IFS=,; echo "${a[*]}"; IFS=; echo "${a[*]}"; unset IFS; echo "${a[*]}"',
     ["x,y", "xy", "x y"]),
    ('a=("" ""); printf "<%s>" x${a[@]}y; echo', ["<x><y>"]),
    ('a=(p ""); printf "<%s>" ${a[*]}y; echo', ["<p><y>"]),
    ('a=(x); printf "<%s>" "-${a[@]}-"; echo', ["<-x->"]),
    ('a=(x "y z"); printf "<%s>" "-${a[@]}-" "${a[@]}"; echo', ["<-x><y z-><x><y z>"]),
    ('a=(); x=v; printf "<%s>" "-${a[@]}-" "$x${a[@]}"; echo "${#a[@]}"', ["<--><v>0"]),
    # the count, an element, $a (element 0)
    ('a=(x "y z" \'\'); echo "${#a[@]}" "${#a[*]}" "$a" "${a[1]}" "[${a[5]}]" ${#a}',
     ["3 3 x y z [] 1"]),
    # appending: an element, or element 0's text
    ('a=(x); a+=(w "v u"); printf "<%s>" "${a[@]}"; echo', ["<x><w><v u>"]),
    ('a=(x y); a=q; printf "<%s>" "${a[@]}"; echo', ["<q><y>"]),
    ('e=(a b); e+=x; echo "${e[@]}"', ["ax b"]),
    ('f=(); f+=(z); f+=(); echo "${f[@]}" ${#f[@]}', ["z 1"]),
    # empty
    ('b=(); printf "<%s>" "${b[@]}"; echo "n=${#b[@]} [$b] ${b:-def} ${b+set}"',
     ["<>n=0 [] def "]),
    ('b=(); [ -n "$b" ] || echo empty; [ -z "${b[@]}" ] && echo none', ["empty", "none"]),
    # the words are expanded and split as a command's
    ('x="p q"; d=($x "$x" a"$x"b); printf "<%s>" "${d[@]}"; echo', ["<p><q><p q><ap qb>"]),
    ('d=(\n  -s  # silent\n  -o "a b"\n); printf "<%s>" "${d[@]}"; echo', ["<-s><-o><a b>"]),
    ('a=(x y); b=("${a[@]}" z); echo "${#b[@]}:${b[2]}"', ["3:z"]),
    # a loop over them
    ('a=(q "y z" \'\'); for x in "${a[@]}"; do echo "it:$x"; done', ["it:q", "it:y z", "it:"]),
    ('a=(); for x in "${a[@]}"; do echo "it:$x"; done; echo done', ["done"]),
    # a scalar is an array of one element; an unset variable of none
    ('s=hi; printf "<%s>" "${s[@]}" "${s[0]}" "${s[1]}"; echo " ${#s[@]} ${#u[@]}"',
     ["<hi><hi><> 1 0"]),
    ('printf "<%s>" "${u[@]}"; echo', ["<>"]),
    # Bash assigns element 0 wherever a scalar is assigned
    ('a=(x y); for a in q; do :; done; echo "${a[@]}"', ["q y"]),
    ('a=(x y); printf -v a z; echo "${a[@]}"', ["z y"]),
    ('a=(x y); : ${a:=w}; echo "${a[@]}"', ["x y"]),
    ('a=(x y); unset a; echo "[${a[@]}] ${#a[@]}"', ["[] 0"]),
    ('a=(); a() { echo f; }; unset a; a', ["f"]),
    # Apollo's check: a list of what is missing
    ('m=()\n[ -z "$K" ] && m+=("Key")\n[ -z "$G" ] && m+=("Graph")\n'
     'if [ -n "$m" ]; then echo "Missing: ${m[@]}"; fi', ["Missing: Key Graph"]),
    # in a subshell or a function
    ('a=(x); ( a+=(y); echo "${#a[@]}" ); echo "${#a[@]}"', ["2", "1"]),
    ('f() { local a=1; a=(p q); echo "${a[1]}"; }; a=z; f; echo "${#a[@]}$a"', ["q", "1z"]),
    ('f() { b=(p q); }; f; echo "${b[1]}"', ["q"]),
    ('a=(x y) | cat; echo "${#a[@]}"', ["0"]),  # a pipeline's subshell
    # declared, as an array of none (or of the value it has: element 0)
    ('x=v; declare -a x; echo "${#x[@]} ${x[0]}"; y=(p q); declare -a y; echo "${#y[@]}"',
     ["1 v", "2"]),
    ('declare -a z; echo "${#z[@]} [${z-unset}]"; z+=(k); echo "${z[@]}"', ["0 [unset]", "k"]),
    ('f() { local -a x; echo "f:${#x[@]}"; x+=(k); echo "${x[@]}"; declare -a w; w+=(1); }\n'
     'x=v; f; echo "${#x[@]} $x ${#w[@]}"', ["f:0", "k", "1 v 0"]),
    ('f() { echo fn; }; declare -a f; unset f; f', ["fn"]),
    # mapfile/readarray of a here-string: its lines (-t: without their newlines)
    ("V=$'a b\\nc\\n'; mapfile -t L <<< \"$V\"; printf '<%s>' \"${L[@]}\"; echo \" ${#L[@]}\"",
     ["<a b><c><> 3"]),
    ("V=$'a\\nb'; mapfile L <<<\"$V\"; printf '<%s>' \"${L[@]}\"; echo", ["<a", "><b", ">"]),
    ('E=; mapfile -t L <<< "$E"; echo "${#L[@]}"; readarray -t R <<< \'x y\'; echo "${R[@]}"',
     ["1", "x y"]),
    ('L=(1 2 3); mapfile -t L <<< "q"; echo "${#L[@]}"; f() { mapfile -t G <<< "g"; }; f; '
     'echo "$G"', ["1", "g"]),
])
def test_indexed_arrays_as_bash(body: str, printed: list[str]) -> None:
    assert _run(body)[0] == printed
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("body", "printed", "error"), [
    ('set -u; e=(); echo a; echo "${e[0]}"; echo b', ["a"], "e[0]: unbound variable"),
    ('set -u; a=(x); echo a; echo "${a[1]}"; echo b', ["a"], "a[1]: unbound variable"),
    ('set -u; e=(); echo a; echo "$e"; echo b', ["a"], "e: unbound variable"),
    ('set -u; echo a; echo "${#u[@]}"; echo b', ["a"], "u: unbound variable"),
    ('set -u; s=hi; echo a; echo "${#s[@]}"; echo b', ["a"], "s: unbound variable"),
    ('set -u; declare -a e; echo a; echo "${#e[@]}"; echo b', ["a"], "e: unbound variable"),
])
def test_set_u_on_a_missing_element_is_bash_s_error(body: str, printed: list[str],
                                                    error: str) -> None:
    assert _run(body) == (printed, [error], 1)
    assert real_bash(body) in (None, printed)


def test_set_u_spares_every_element_of_an_empty_array() -> None:
    body = 'set -u; e=(); printf "<%s>" "${e[@]}" "${e[*]}" ${e[@]} "${u[@]}"; echo " ${#e[@]}"'
    assert _run(body) == (["<> 0"], [], 0)
    assert real_bash(body) in (None, ["<> 0"])


def test_a_read_only_array_s_assignment_is_bash_s_error() -> None:
    body = 'a=(x); readonly a; echo a; a+=(y); echo b'
    assert _run(body)[:2] == (["a"], ["a: readonly variable"])


@pytest.mark.parametrize(("body", "printed"), [
    # a subscript is arithmetic: a variable, an expression, any base
    ('a=(x y z); i=1; j=-1; e=; echo "${a[i]} ${a[$i]} ${a[i+1]} ${a[${i}]} ${a[$e]} ${a[ 1 ]}"'
     ' "${a[0x1]}" "[${a[010]}]"', ["y y z y x y y []"]),
    # negative: from the end
    ('a=(x y z); j=-1; echo "${a[-1]} ${a[j]} ${a[-3]} ${a[1-2]}"', ["z z x z"]),
    # an element's length, 0 beyond the last (under set -u too)
    ('a=(x yy); echo "${#a[1]} ${#a[-2]} ${#a[5]}"; set -u; echo "${#a[7]}"', ["2 1 0", "0"]),
    # the subscripts: of an array, a variable (0), an unset variable (none, under set -u too)
    ('a=(x yy z); for k in "${!a[@]}"; do echo "<$k>"; done; echo "${!a[*]}"',
     ["<0>", "<1>", "<2>", "0 1 2"]),
    ('s=v; set -u; printf "<%s>" ${!s[@]} "${!u[@]}" "${!s[*]}"; echo', ["<0><0>"]),
])
def test_an_element_by_its_arithmetic_subscript_as_bash(body: str, printed: list[str]) -> None:
    assert _run(body) == (printed, [], 0)
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("body", "printed", "errors", "code"), [
    # before the first element, or negative on no array: Bash's error, the element unset
    ('a=(x y); echo "[${a[-3]}]"; v=${a[-3]}; echo "[$v] $?"', ["[]", "[] 0"],
     ["a: bad array subscript"] * 2, 0),
    ('s=v; declare -a e; echo "[${s[-1]}${u[-1]}${e[-1]}]"', ["[]"],
     ["s: bad array subscript", "u: bad array subscript", "e: bad array subscript"], 0),
    ('set -u; a=(x); echo a; echo "${a[-5]}"; echo b', ["a"],
     ["a: bad array subscript", "a[-5]: unbound variable"], 1),
    ('set -u; a=(x); i=5; echo a; echo "${a[i]}"; echo b', ["a"], ["a[i]: unbound variable"],
     1),
    ('set -u; a=(x); echo a; echo "${a[k]}"; echo b', ["a"], ["k: unbound variable"], 1),
])
def test_a_subscript_out_of_range_is_bash_s_error(body: str, printed: list[str],
                                                  errors: list[str], code: int) -> None:
    assert _run(body) == (printed, errors, code)
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("body", "printed"), [
    # an element set, appended to, or one more; the subscript arithmetic, negative from the end
    ('a=(x y); a[2]=z; a[-1]+=w; a[0]+=q; i=1; a[i]="p q"; echo "${a[@]}" ${#a[@]}',
     ["xq p q zw 3"]),
    # a variable not an array, or unset, is an array of its elements
    ('s=v; s[1]=w; s[-2]=t; echo "${s[@]}"; u[0]=p; echo "${u[@]}"; declare -a e; e[0]=x; '
     'echo "${e[@]}"', ["t w", "p", "x"]),
    ('a=(x); a[0]=$((1 + 1)); a[1]=$a; echo "${a[@]}" "${!a[@]}"', ["2 2 0 1"]),
    ('a=1; a[0]=x; echo "a=$a"', ["a=x"]),
])
def test_an_element_s_assignment_as_bash(body: str, printed: list[str]) -> None:
    assert _run(body) == (printed, [], 0)
    assert real_bash(body) in (None, printed)


@pytest.mark.parametrize(("body", "error"), [
    ('a=(x y); echo a; a[-3]=z; echo same\necho next', "a[-3]: bad array subscript"),
    ('readonly r=x; echo a; r[0]=y; echo same\necho next', "r: readonly variable"),
])
def test_an_element_s_assignment_bash_refuses_abandons_the_line(body: str, error: str) -> None:
    assert _run(body)[:2] == (["a"], [error])  # what follows is not followed
    assert real_bash(body) in (None, ["a", "next"])


def test_a_value_expanded_before_the_subscript_as_bash() -> None:
    body = 'set -u; echo a; b[k]=$u; echo b'
    assert _run(body) == (["a"], ["u: unbound variable"], 1)
    assert real_bash(body) in (None, ["a"])


def test_the_last_element_s_unset_as_bash() -> None:
    body = ('a=(x y z); unset "a[-1]"; echo "${a[@]}"; unset "a[i+1]" "a[5]"; set -u; '
            'echo "$? ${a[@]} ${#a[@]}"; unset -v "a[0]"; echo "${#a[@]} [${a+set}]"; a+=(w); '
            'echo "${a[@]}" "${!a[@]}"')
    assert _run(body) == (["x y", "0 x 1", "0 []", "w 0"], [], 0)
    assert real_bash(body) in (None, ["x y", "0 x 1", "0 []", "w 0"])


@pytest.mark.parametrize("body", [
    # forms not modelled
    'a=(x y); echo "${a[@]:1}"; echo end',
    'a=(x y); a[3]=z; echo "${#a[@]}"; echo end',
    'a=(x y); a[1]=z b=1; echo "${a[1]}"; echo end',
    'a=(x y); echo | a[1]=z; echo "${a[1]}"; echo end',
    'a=("é"); echo "${#a[0]}"; echo end',
    'a=(x y); echo "${a[@]#x}"; echo end',
    'a=(x y); echo "${a[0]:-z}"; echo end',
    'a=(x y); v="-${a[@]}-"; echo "$v"; echo end',
    'a=(x y); echo "${a[@]}${a[@]}"; echo end',
    'a=(); x=; for w in "$x${a[@]}"; do echo "$w"; done; echo end',
    'a=([1]=x y); echo "$a"; echo end',
    'a=(*.log); echo "$a"; echo end',
    'a=({p,q}); echo "$a"; echo end',
    'a=(~); echo "$a"; echo end',
    # what changes an array without the interpreter following it
    'a=(x y); unset "a[0]"; echo "${#a[@]}"; echo end',
    's=v; unset "s[0]"; echo "${#s[@]}"; echo end',
    'a=(x y); unset a[0]; echo "${#a[@]}"; echo end',
    'a=(x y); (( a[1] = 3 )); echo "${a[1]}"; echo end',
    'a=(x y); let a[1]=3; echo "${a[1]}"; echo end',
    'a=(x y); printf -v "a[1]" z; echo "${a[1]}"; echo end',
    'a=(x y); mapfile -t a < /etc/hosts; echo "${#a[@]}"; echo end',
    'mapfile -t <<< "m"; echo "$MAPFILE"; echo end',
    'mapfile -t -d , a <<< "m,n"; echo "${#a[@]}"; echo end',
    'V=x; mapfile -t a <<< $V; echo "${#a[@]}"; echo end',
    'readonly r=1; mapfile -t r <<< "z"; echo "$r"; echo end',
    'readarray -t b < /etc/hosts; echo "${#b[@]}"; echo end',
    'read -ra b < /etc/hosts; echo "${#b[@]}"; echo end',
    'declare -ar b; echo "${#b[@]}"; echo end',
    'declare -a b=(x); echo "${#b[@]}"; echo end',
    'declare -a b=x; echo "${#b[@]}"; echo end',
    'readonly b=x; declare -a b; echo "${#b[@]}"; echo end',
    'f() { local b=x; local -a b; echo "${#b[@]}"; }; f; echo end',
    'b=(x y); f() { local -a b; echo "${#b[@]}"; }; f; echo end',
    'declare -A b; b[k]=v; echo "${#b[@]}"; echo end',
    'x=(1 2) echo hi; echo "${#x[@]}"; echo end',
    'export a=(x y); echo "${#a[@]}"; echo end',
    'f() { local a=(x y); echo "${#a[@]}"; }; f; echo end',
    'a=(x y); f() { local a; echo "${#a[@]}"; }; f; echo end',
    'a=(x y) >&2; echo "${#a[@]}"; echo end',
    'a=(x y) b=1; echo "${#a[@]}"; echo end',
    # Bash's own arrays
    'echo "${#FUNCNAME[@]}"; echo end',
    'echo "${BASH_VERSINFO[0]}"; echo end',
    '[[ ab =~ (a) ]]; echo "${BASH_REMATCH[1]}"; echo end',
    'echo "${#PIPESTATUS[@]}"; echo end',
    'echo "${#GROUPS[@]}"; echo end',
    'echo "${#BASH_ALIASES[@]}"; echo end',
    'MAPFILE=(x); echo "$MAPFILE"; echo end',
])
def test_other_array_uses_are_not_known(body: str) -> None:
    assert _run(body)[0] == ["end"]
    assert (real_bash(body) or ["end"])[-1] == "end"


@pytest.mark.parametrize("body", [
    'set -u; mapfile -t a <<< "$V"; echo "${#a[@]}"; echo end',
    'a=(x y); i=0; echo "${a[i++]}"; echo end',
    'a=(x y); echo "${!a[0]}"; echo end',
    'a=(x y); a[1]=$(echo v); echo "${a[1]}"; echo end',
    'a=(x y); echo "${a[$(echo 1)]}"; echo end',
    'a=(x y); echo "${a["1"]}"; echo end',
    'a=(x y); echo "${#a[-3]}"; echo end',
    'a=(x y); echo "${a[1/0]}"; echo end',
])
def test_array_forms_that_may_be_bash_s_error_are_not_known(body: str) -> None:
    assert _run(body)[0] == []
    assert (real_bash(body) or ["end"])[-1] == "end"
