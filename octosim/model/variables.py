"""Project variables: scopes, resolution per target, ``#{Name}`` substitution with
Octostache's conditionals, masking and output variables.

- A :class:`Variable` has a :class:`VariableScope`; a value applies to a context (environment,
  machine and its roles, channel, tenant, action, process) when every scoped dimension holds
  the context's value. Of the values that apply, the most specific wins, in Octopus's order
  of precedence (the variables docs): action, machine, role, tenant, environment, channel,
  process, unscoped. Between two equally specific values the one defined first wins (a choice:
  Octopus calls such values ambiguous).
- Names are case-insensitive, as in Octopus; :class:`VariableDictionary` keeps the spelling it
  was given and looks up in any case.
- :func:`substitute` replaces ``#{Name}`` with the value, itself substituted (so variables can
  reference variables), and inner tokens first (``#{Octopus.Action[#{Step}].Output.X}``). A
  token naming no variable, with a filter (``#{X | ToUpper}``) or in a cycle is left as
  written; ``##{`` is a literal ``#{``.
- It also evaluates Octostache's conditional blocks: ``#{if C}…#{/if}``,
  ``#{if C}…#{else}…#{/if}``, ``#{if C}…#{elseif D}…#{else}…#{/if}`` and ``#{unless C}…
  [#{else}…]#{/unless}``, nested to any depth, each body itself substituted. A condition is a
  variable name (true unless its evaluated value is ``""``, ``"0"``, or ``no``/``false`` in
  any case around spaces: Octostache's ``IsTruthy``; an undefined variable is ``""``), or a
  comparison ``Name == "value"``, ``Name != "value"``, ``"value" == Name`` or ``Name == Other``
  (another variable's value), compared exactly, case-sensitively, as Octostache does. The
  keywords ``if``/``unless`` may be in any case; ``#{else}``, ``#{elseif …}``, ``#{/if}`` and
  ``#{/unless}`` are matched as Octostache spells them.
- A block that cannot be evaluated renders as nothing (neither branch: keeping a wrong one
  silently would be worse), and a block that is not closed, or is closed by the wrong
  keyword, takes all the text after it along (a choice: Octostache leaves the whole text
  unsubstituted, which in a script keeps both branches). That is a condition with a filter
  (filters are not interpreted) or that Octostache would not parse (``Name == 'single
  quotes'``, two comparisons, a lone quoted value). A stray ``#{/if}``, ``#{else}`` … outside
  any block stays as written. With ``strict=True`` each of these raises
  :class:`TemplateError` instead, naming the token and its line, for a caller that fails
  loudly (a script body). Text without block syntax takes the plain token loop.
- :meth:`VariableDictionary.evaluated_value` is one variable's value substituted (for a
  script's ``$OctopusParameters['Name']``); :meth:`VariableDictionary.sensitive_values` include
  the evaluated form of a sensitive value that references other variables;
  :meth:`VariableDictionary.evaluate_truthy` decides a Variable run condition as Octostache's
  ``EvaluateTruthy`` does (false on anything it cannot evaluate).
- :func:`mask` hides sensitive values as ``********`` in log text (re-exported from
  :mod:`octosim.model.masking`, which masks as Octopus does).
- :class:`OutputVariables` collects ``Set-OctopusVariable`` results for later steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar, overload

from octosim.model.masking import MASK, mask

__all__ = [
    "MASK",
    "MAX_EXPANSIONS",
    "MAX_NESTING",
    "OutputVariables",
    "ScopeContext",
    "TemplateError",
    "Variable",
    "VariableDictionary",
    "VariableScope",
    "VariableSet",
    "mask",
    "resolve",
    "substitute",
]



@dataclass(frozen=True)
class VariableScope:
    """Where a value applies; an empty dimension means "anywhere"."""

    environment: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    machine: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    tenant: tuple[str, ...] = ()
    action: tuple[str, ...] = ()
    process_owner: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variable:
    """One value of a project variable (``VariableResource``)."""

    name: str
    value: str
    is_sensitive: bool = False
    scope: VariableScope = VariableScope()
    id: str = ""
    description: str = ""


@dataclass
class VariableSet:
    """A ``variableset-Projects-N``: a project's variables, edited in place."""

    id: str
    space_id: str
    owner_id: str
    variables: list[Variable] = field(default_factory=list)
    version: int = 0


@dataclass(frozen=True)
class ScopeContext:
    """What a value's scope is matched against. ``None``/empty = no such thing here (a
    deployment-level value has no machine, so machine- and role-scoped values do not apply)."""

    environment_id: str | None = None
    machine_id: str | None = None
    roles: tuple[str, ...] = ()
    channel_id: str | None = None
    tenant_id: str | None = None
    action_id: str | None = None
    process_owner_id: str | None = None

    def for_action(
        self, action_id: str, machine_id: str | None, roles: tuple[str, ...]
    ) -> ScopeContext:
        """Return this context for one action on one machine (None: no machine), its
        environment, channel, tenant and process kept: what a step's variables resolve in."""
        return ScopeContext(
            environment_id=self.environment_id, machine_id=machine_id, roles=roles,
            channel_id=self.channel_id, tenant_id=self.tenant_id, action_id=action_id,
            process_owner_id=self.process_owner_id,
        )


def _specificity(scope: VariableScope) -> tuple[bool, ...]:
    # Octopus's precedence, most specific first; tuples of booleans compare in that order.
    return (
        bool(scope.action), bool(scope.machine), bool(scope.role), bool(scope.tenant),
        bool(scope.environment), bool(scope.channel), bool(scope.process_owner),
    )


def _applies(scope: VariableScope, ctx: ScopeContext) -> bool:
    checks = (
        (scope.environment, ctx.environment_id),
        (scope.machine, ctx.machine_id),
        (scope.channel, ctx.channel_id),
        (scope.tenant, ctx.tenant_id),
        (scope.action, ctx.action_id),
        (scope.process_owner, ctx.process_owner_id),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if not scope.role:
        return True
    roles = set(map(str.lower, ctx.roles))
    return any(role.lower() in roles for role in scope.role)


_Default = TypeVar("_Default")

#: The system variables' families met so far (:meth:`VariableDictionary.of_system`), by their
#: names in order: each name's lower-cased form, and the names by those forms.
_FAMILIES: dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, str]]] = {}
#: More families than this (one per set of roles, tenants…) and they are forgotten and met
#: anew: what is remembered stays small.
_MAX_FAMILIES = 256


class VariableDictionary(Mapping[str, str]):
    """Variables by name, looked up case-insensitively, knowing which values are sensitive."""

    def __init__(
        self, values: Mapping[str, str] | None = None, *, sensitive: Iterable[str] = ()
    ) -> None:
        # Keyed by the lower-cased name: the values (the very table substitution reads, so a
        # script's #{...} does not rebuild it for every action on every target) and the
        # spelling last given. Each name is lower-cased (and the result hashed) once.
        given = values or {}
        keys = list(map(str.lower, given))
        self._table: dict[str, str] = dict(zip(keys, given.values(), strict=True))
        self._names: dict[str, str] = dict(zip(keys, given, strict=True))
        self._sensitive: set[str] = {name.lower() for name in sensitive} if sensitive else set()

    @classmethod
    def of_system(cls, values: Mapping[str, str]) -> VariableDictionary:
        """Return ``VariableDictionary(values)`` for a family of system variables (none
        sensitive), remembering the family's names from one call to the next: every action
        on every target gets the same few families, and lower-casing and hashing each name
        anew cost more than the rest of making its variables. A family is remembered by all
        its names, in order, and what is remembered of it (their lower-cased forms) depends
        on nothing else, so it cannot go stale."""
        names = tuple(values)
        family = _FAMILIES.get(names)
        if family is None:
            if len(_FAMILIES) >= _MAX_FAMILIES:
                _FAMILIES.clear()
            keys = tuple(name.lower() for name in names)
            family = _FAMILIES[names] = (keys, dict(zip(keys, names, strict=True)))
        keys, spelled = family
        result = cls.__new__(cls)
        result._table = dict(zip(keys, values.values(), strict=True))
        result._names = spelled.copy()
        result._sensitive = set()
        return result

    @overload
    def get(self, name: str, /) -> str | None: ...

    @overload
    def get(self, name: str, /, default: str | _Default) -> str | _Default: ...

    def get(self, name: str, /, default: object = None) -> object:
        """Return the value of ``name`` (any case), or ``default``: Mapping's ``get`` without
        raising and catching a KeyError for every name that is not there."""
        return self._table.get(name.lower(), default)

    def set(self, name: str, value: str, *, is_sensitive: bool = False) -> None:
        """Set ``name`` (any case replaces the same variable) to ``value``."""
        key = name.lower()
        self._table[key] = value
        self._names[key] = name
        if is_sensitive:
            self._sensitive.add(key)
        else:
            self._sensitive.discard(key)

    def update_from(self, other: Mapping[str, str]) -> None:
        """Set every variable of ``other``, keeping its sensitivity if it has one."""
        if not isinstance(other, VariableDictionary):
            for name, value in other.items():
                self.set(name, value)
            return
        # A whole layer at once (a target's variables are several layers deep): the same as
        # setting each of its variables in turn, without a Python call per variable.
        table = other._table
        self._table.update(table)
        self._names.update(other._names)
        # Walk the sensitive names (a handful, and most layers have none), not every name
        # copied: each target of a fleet copies thousands of earlier targets' output variables.
        if self._sensitive:
            self._sensitive.difference_update([k for k in self._sensitive if k in table])
        if other._sensitive:
            self._sensitive.update(k for k in other._sensitive if k in table)

    def copy(self) -> VariableDictionary:
        """Return an independent copy: the same names, spellings, values and sensitivity."""
        clone = VariableDictionary.__new__(VariableDictionary)
        clone._table = self._table.copy()
        clone._names = self._names.copy()
        clone._sensitive = self._sensitive.copy()
        return clone

    def is_sensitive(self, name: str) -> bool:
        """Return True if the variable ``name`` holds a sensitive value."""
        return name.lower() in self._sensitive

    def sensitive_values(self) -> list[str]:
        """Return the sensitive values (for :func:`mask`), each as written and, when it
        references variables (``key-#{Env}-Zq9``), as evaluated (``key-prod-Zq9``)."""
        values = []
        for key in self._sensitive:
            value = self._table.get(key)
            if value is None:
                continue
            values.append(value)
            if "#{" in value:  # what a script prints is the evaluated form
                evaluated = _expand(value, _Expansion(self._table), frozenset({key}))
                if evaluated:  # a block can render nothing: no text to mask
                    values.append(evaluated)
        return values

    def __getitem__(self, name: str) -> str:
        return self._table[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._table)

    def substitute(self, text: str, *, strict: bool = False) -> str:
        """Return ``text`` with this dictionary's ``#{Name}`` tokens replaced and its
        ``#{if}``/``#{unless}`` blocks evaluated (see :func:`substitute`)."""
        return _expand(text, _Expansion(self._table, strict), frozenset())

    def evaluate_truthy(self, expression: str) -> bool:
        """Return whether ``expression`` (a Variable run condition) is true, as Octostache's
        ``EvaluateTruthy`` decides: false when a block cannot be evaluated (see
        :func:`substitute`) or a token is left unevaluated (an undefined name, a filter, a
        cycle: Octostache reports those as errors, and an error is false), else whether the
        text is truthy (not ``""``, ``"0"``, ``no`` or ``false``). A conservative reading: an
        escaped ``##{`` in the expression also makes it false."""
        try:
            text = _expand(expression, _Expansion(self._table, strict=True), frozenset())
        except TemplateError:
            return False
        return "#{" not in text and _is_truthy(text)

    def evaluated_value(self, name: str) -> str | None:
        """Return the value of ``name`` substituted (``Url`` = ``https://#{Host}/api`` reads
        ``https://app.example.com/api``), or None if there is no such variable: the value for a
        script's ``$OctopusParameters['Name']`` and ``get_octopusvariable``, as Octostache's
        ``VariableDictionary.Get`` evaluates a value."""
        key = name.lower()
        value = self._table.get(key)
        if value is None:
            return None
        return _expand(value, _Expansion(self._table), frozenset({key}))

    def evaluated(self) -> VariableDictionary:
        """Return a copy whose every value has been substituted (OctopusPrintEvaluatedVariables)."""
        result = VariableDictionary()
        for key, name in self._names.items():
            result.set(name, _expand(self._table[key], _Expansion(self._table), frozenset({key})),
                       is_sensitive=key in self._sensitive)
        return result


def resolve(variables: Sequence[Variable], ctx: ScopeContext) -> VariableDictionary:
    """Return, for every variable name, the most specific value that applies in ``ctx``.

    Names that have no applicable value are absent.
    """
    best: dict[str, Variable] = {}
    for variable in variables:
        if not _applies(variable.scope, ctx):
            continue
        key = variable.name.lower()
        current = best.get(key)
        if current is None or _specificity(variable.scope) > _specificity(current.scope):
            best[key] = variable
    result = VariableDictionary()
    for variable in best.values():
        result.set(variable.name, variable.value, is_sensitive=variable.is_sensitive)
    return result


def _closing(text: str, start: int) -> int:
    # The index of the ``}`` that closes a token whose content starts at ``start``, counting
    # inner ``#{``; -1 if it is never closed. Jumps from brace to brace (str.find), not
    # character by character: every script body of every target passes through here.
    depth = 1
    i = start
    while True:
        close = text.find("}", i)
        if close < 0:
            return -1
        opened = text.find("#{", i, close)
        if opened >= 0:
            depth += 1
            i = opened + 2
            continue
        depth -= 1
        if depth == 0:
            return close
        i = close + 1


class TemplateError(ValueError):
    """A ``#{if}``/``#{unless}`` block that cannot be evaluated: not closed, closed by the
    wrong keyword, a block keyword outside any block, or a condition the simulator does not
    interpret (a filter, a syntax Octostache rejects). Raised only by ``strict`` substitution."""


#: Whether a text may hold block syntax (``#{if``, ``#{unless``, ``#{else}``, ``#{elseif``,
#: ``#{/if}``, ``#{/unless}``): text without it keeps the plain token loop.
_MAY_HOLD_BLOCKS = re.compile(r"#\{(?:\s*(?:if|unless)\s|elseif\s|else\}|/if\}|/unless\})",
                              re.IGNORECASE)
#: A block's opening token: Octostache's keyword (any case), then at least one space.
_OPENER = re.compile(r"\s*(if|unless)\s+(.*?)\s*", re.IGNORECASE | re.DOTALL)
#: ``#{elseif <expression>}``: the keyword as Octostache spells it, then a space.
_ELSEIF = re.compile(r"elseif\s+(.*?)\s*", re.DOTALL)
#: A variable name as Octostache parses one in a condition: identifiers (letters, digits,
#: spaces and ``_-:/~()@``) joined by ``.``, each maybe followed by ``[index]`` parts.
_SYMBOL = re.compile(r"[\w\s\-:/~()@]+(?:\.[\w\s\-:/~()@]+|\[(?:[^\[\]]|\[[^\[\]]*\])*\])*")
#: A quoted value in a comparison: ``"value"`` (no ``"`` or ``#`` inside) or ``\"value\"``.
_QUOTED = re.compile(r'"([^"#]*)"|\\"(.*?)\\"', re.DOTALL)
_COMPARISON = re.compile(r"==|!=")


def _is_truthy(value: str) -> bool:
    # Octostache's TemplateEvaluator.IsTruthy: "" and "0" are false, and so are "no" and
    # "false" in any case around spaces; everything else (even " ", "off") is true.
    return value not in ("", "0") and value.strip().lower() not in ("no", "false")


class _Piece(NamedTuple):
    """One piece of a template with blocks: ``text``; a ``token`` (its content); a block
    keyword ``if``/``unless``/``elseif`` (its condition); ``else``, ``/if`` or ``/unless``."""

    kind: str
    text: str
    start: int  # where it starts in the template, for messages
    raw: str = ""  # a token or keyword as written, ``#{`` to ``}``


@dataclass
class _Block:
    """``#{if}``/``#{unless}``: its ``#{if}`` and ``#{elseif}`` clauses (each a piece and its
    body) in order, then the ``#{else}`` body; ``problem``, the token at fault and what is
    wrong, when the block is malformed (it then swallows the rest of the template)."""

    keyword: str
    branches: list[tuple[_Piece, list[_Piece | _Block]]]
    otherwise: list[_Piece | _Block] = field(default_factory=list)
    problem: tuple[_Piece, str] | None = None


_Nodes = list[_Piece | _Block]
_KEYWORDS_OUTSIDE = ("else", "elseif", "/if", "/unless")


def _pieces(text: str) -> list[_Piece]:
    # The token loop of _expand_tokens, cutting the text up instead of substituting it.
    pieces: list[_Piece] = []
    i = 0
    while True:
        j = text.find("#{", i)
        if j < 0:
            pieces.append(_Piece("text", text[i:], i))
            return pieces
        if j > 0 and text[j - 1] == "#":  # ``##{`` escapes a literal ``#{``
            pieces.append(_Piece("text", text[i : j - 1] + "#{", i))
            i = j + 2
            continue
        end = _closing(text, j + 2)
        if end < 0:
            pieces.append(_Piece("text", text[i:], i))
            return pieces
        pieces.append(_Piece("text", text[i:j], i))
        pieces.append(_classify(text[j + 2 : end], j, text[j : end + 1]))
        i = end + 1


def _classify(content: str, start: int, raw: str) -> _Piece:
    # Octostache's grammar: ``#{else}``, ``#{/if}`` and ``#{/unless}`` exactly as written.
    if content in ("else", "/if", "/unless"):
        return _Piece(content, "", start, raw)
    opener = _OPENER.fullmatch(content)
    if opener is not None:
        return _Piece(opener.group(1).lower(), opener.group(2), start, raw)
    elseif = _ELSEIF.fullmatch(content)
    if elseif is not None:
        return _Piece("elseif", elseif.group(1), start, raw)
    return _Piece("token", content, start, raw)


def _parse(pieces: list[_Piece], pos: int, inside: bool) -> tuple[_Nodes, int]:
    # The nodes from ``pos`` up to the end or, ``inside`` a block, up to its next keyword.
    nodes: _Nodes = []
    while pos < len(pieces):
        piece = pieces[pos]
        if piece.kind in ("if", "unless"):
            block, pos = _parse_block(pieces, pos)
            nodes.append(block)
            continue
        if piece.kind in _KEYWORDS_OUTSIDE and inside:
            return nodes, pos  # the block decides what it means
        nodes.append(piece)
        pos += 1
    return nodes, pos


def _parse_block(pieces: list[_Piece], pos: int) -> tuple[_Block, int]:
    opener = pieces[pos]
    body, pos = _parse(pieces, pos + 1, inside=True)
    block = _Block(opener.kind, [(opener, body)])
    while opener.kind == "if" and pos < len(pieces) and pieces[pos].kind == "elseif":
        clause = pieces[pos]
        body, pos = _parse(pieces, pos + 1, inside=True)
        block.branches.append((clause, body))
    if pos < len(pieces) and pieces[pos].kind == "else":
        body, pos = _parse(pieces, pos + 1, inside=True)
        block.otherwise = body
    closer = "/" + opener.kind
    if pos < len(pieces) and pieces[pos].kind == closer:
        return block, pos + 1
    # Not closed, or closed by the wrong keyword: no branch can be known to be the one meant,
    # so the block and all that follows it count as one block that cannot be evaluated. An
    # inner block that took the rest along is the one at fault.
    last = body[-1] if body else None
    if isinstance(last, _Block) and last.problem is not None:
        block.problem = last.problem
    elif pos == len(pieces):
        block.problem = (opener, f"has no #{{{closer}}}")
    else:
        block.problem = (opener, f"is followed by {pieces[pos].raw} before its #{{{closer}}}")
    return block, len(pieces)


#: How deep variables may nest in each other's values (``A`` = ``#{B}``, ``B`` = ``#{C}``, …),
#: and how many values one substitution may expand: beyond either, a token stays as written.
#: Octostache sets neither limit (UNCONFIRMED what the server does); these keep a hostile or
#: mistaken variable set (a chain of thousands, or each value naming the next twice, which
#: doubles the text at every step) from exhausting Python's stack or the machine.
MAX_NESTING = 100
MAX_EXPANSIONS = 10_000


class _Expansion:
    """One substitution: the variables, whether it is ``strict``, and how many values it may
    still expand (:data:`MAX_EXPANSIONS`)."""

    __slots__ = ("left", "strict", "table")

    def __init__(self, table: Mapping[str, str], strict: bool = False) -> None:
        self.table = table
        self.strict = strict
        self.left = MAX_EXPANSIONS

    def may_expand(self, key: str, active: frozenset[str]) -> bool:
        """Whether the value of ``key`` may be expanded inside the values ``active``: it is a
        variable, not one of them (a cycle), and the limits allow one more."""
        if key not in self.table or key in active or len(active) >= MAX_NESTING:
            return False
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class _Renderer:
    """Renders a template that holds blocks: pieces outside blocks as plain substitution
    does, each block's chosen body, nothing for a block that cannot be evaluated (``strict``:
    raises :class:`TemplateError` instead)."""

    def __init__(self, template: str, ex: _Expansion, active: frozenset[str]) -> None:
        self.template = template
        self.ex = ex
        self.active = active

    def render(self, nodes: _Nodes, out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, _Block):
                self.block(node, out)
            elif node.kind == "text":
                out.append(node.text)
            elif node.kind == "token":
                out.append(_token(node.text, self.ex, self.active))
            else:  # a block keyword outside any block: a token naming no variable
                self.cannot(node, "is outside any #{if} or #{unless} block")
                out.append(node.raw)

    def block(self, block: _Block, out: list[str]) -> None:
        if block.problem is not None:
            self.cannot(*block.problem)
            return
        for clause, body in block.branches:
            expression = _expand(clause.text, self.ex, self.active)
            holds = _evaluate(expression, self.ex, self.active)
            if isinstance(holds, str):
                self.cannot(clause, f"cannot be evaluated: {holds}")
                return
            if holds != (block.keyword == "unless"):
                self.render(body, out)
                return
        self.render(block.otherwise, out)

    def cannot(self, piece: _Piece, problem: str) -> None:
        # The caller renders nothing for the block: a wrong branch silently kept is worse
        # than none (and a run condition rendered empty is false, as Octostache's
        # EvaluateTruthy is false on an error).
        if self.ex.strict:
            line = self.template.count("\n", 0, piece.start) + 1
            raise TemplateError(f"{piece.raw} (line {line}) {problem}")


def _evaluate(expression: str, ex: _Expansion, active: frozenset[str]) -> bool | str:
    """Return whether a condition holds, or why it cannot be evaluated."""
    if "|" in _QUOTED.sub("", expression):
        return "filters are not interpreted by the simulator"
    parts = _COMPARISON.split(_QUOTED.sub(lambda m: "\0" * len(m.group()), expression))
    if len(parts) > 2:
        return "only one == or != is allowed"
    if len(parts) == 1:
        if _SYMBOL.fullmatch(expression.strip()) is None:
            return "not a variable name"
        return _is_truthy(_resolve(expression, ex, active))
    cut = len(parts[0])
    operator = expression[cut : cut + 2]
    left = _operand(expression[:cut], ex, active)
    right = _operand(expression[cut + 2 :], ex, active)
    if left is None or right is None or (left[1] and right[1]):
        return "each side of == or != is a variable name or a \"quoted value\", not both quoted"
    # Octostache compares the text exactly (case-sensitively).
    return (left[0] == right[0]) == (operator == "==")


def _operand(text: str, ex: _Expansion, active: frozenset[str]) -> tuple[str, bool] | None:
    # (value, whether quoted) of one side of a comparison; None if it is neither.
    text = text.strip()
    quoted = _QUOTED.fullmatch(text)
    if quoted is not None:
        value = quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
        return value, True
    if _SYMBOL.fullmatch(text) is None:
        return None
    return _resolve(text, ex, active), False


def _resolve(name: str, ex: _Expansion, active: frozenset[str]) -> str:
    # A variable's evaluated value; an undefined one (or one met again in its own value, or
    # beyond the expansion's limits) is "" as Octostache resolves an unknown name in a
    # condition.
    key = name.strip().lower()
    if not ex.may_expand(key, active):
        return ""
    return _expand(ex.table[key], ex, active | {key})


def _token(content: str, ex: _Expansion, active: frozenset[str]) -> str:
    # One ``#{...}`` token: inner tokens first, then the named variable's value substituted
    # in turn; a name naming no variable (or met again in its own value, or beyond the
    # expansion's limits) stays as written.
    # Most names and values hold no token: they are taken as they are, without a call to
    # _expand (nor, for a value, the set of the values being expanded made for it).
    inner = _expand(content, ex, active) if "#{" in content else content
    key = inner.strip().lower()
    if ex.may_expand(key, active):
        value = ex.table[key]
        return _expand(value, ex, active | {key}) if "#{" in value else value
    return "#{" + inner + "}"


def _expand(text: str, ex: _Expansion, active: frozenset[str]) -> str:
    if "#{" not in text:  # most text, and every token's name and most values, have none
        return text
    if _MAY_HOLD_BLOCKS.search(text) is None:  # most scripts: plain tokens only
        return _expand_tokens(text, ex, active)
    out: list[str] = []
    nodes, _ = _parse(_pieces(text), 0, inside=False)
    _Renderer(text, ex, active).render(nodes, out)
    return "".join(out)


def _expand_tokens(text: str, ex: _Expansion, active: frozenset[str]) -> str:
    out: list[str] = []
    i = 0
    while True:
        j = text.find("#{", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        if j > 0 and text[j - 1] == "#":  # ``##{`` escapes a literal ``#{``
            out.append(text[i : j - 1] + "#{")
            i = j + 2
            continue
        end = text.find("}", j + 2)
        if end >= 0 and text.find("#{", j + 2, end) >= 0:  # an inner token: count the braces
            end = _closing(text, j + 2)
        if end < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        out.append(_token(text[j + 2 : end], ex, active))
        i = end + 1


def _table_of(variables: Mapping[str, str]) -> Mapping[str, str]:
    return (variables._table if isinstance(variables, VariableDictionary)
            else {name.lower(): value for name, value in variables.items()})


def substitute(text: str, variables: Mapping[str, str], *, strict: bool = False) -> str:
    """Return ``text`` with every ``#{Name}`` whose name is in ``variables`` replaced and
    every ``#{if}``/``#{unless}`` block replaced by the body its condition chooses.

    Names match case-insensitively; values are substituted too; unknown names, filters and
    cycles are left as written. A block that cannot be evaluated (see :class:`TemplateError`)
    renders as nothing, or with ``strict`` raises :class:`TemplateError`.
    """
    return _expand(text, _Expansion(_table_of(variables), strict), frozenset())


@dataclass(frozen=True)
class _Output:
    action: str
    machine: str | None
    name: str
    value: str
    is_sensitive: bool


class OutputVariables:
    """Output variables set by earlier steps of one deployment (``Set-OctopusVariable``).

    Each is visible as ``Octopus.Action[<action>].Output.<name>`` and, when a machine set it,
    ``Octopus.Action[<action>].Output[<machine>].<name>``. The unqualified name holds the
    value the same machine set, if it set one, else the last value set (Octopus's rule for
    output from several machines).
    """

    def __init__(self) -> None:
        # Kept up to date as values are set, so that each target of a later step does not
        # go through every output of every earlier target (quadratic in the targets):
        # the machine-qualified names, the same for every machine...
        self._qualified = VariableDictionary()
        # ...and, by (action, name) in the order first set, the last value set and the last
        # value each machine (or no machine) set.
        self._last: dict[tuple[str, str], _Output] = {}
        self._by_machine: dict[tuple[str, str], dict[str | None, _Output]] = {}

    def set(
        self, action: str, name: str, value: str, *, machine: str | None = None,
        is_sensitive: bool = False,
    ) -> None:
        """Record that ``action`` (run on ``machine``) set output ``name`` to ``value``."""
        out = _Output(action, machine, name, value, is_sensitive)
        key = (action.lower(), name.lower())
        self._last[key] = out
        self._by_machine.setdefault(key, {})[machine] = out
        if machine is not None:
            self._qualified.set(f"Octopus.Action[{action}].Output[{machine}].{name}", value,
                                is_sensitive=is_sensitive)

    def __len__(self) -> int:
        """How many outputs have been set (an action's name set again counts once)."""
        return len(self._last)

    def for_machine(self, machine: str | None) -> VariableDictionary:
        """Return the output variables as a later step on ``machine`` sees them."""
        result = VariableDictionary()
        result.update_from(self._qualified)
        for key, last in self._last.items():
            out = self._by_machine[key].get(machine, last)
            result.set(f"Octopus.Action[{out.action}].Output.{out.name}", out.value,
                       is_sensitive=out.is_sensitive)
        return result
