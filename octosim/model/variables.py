"""Project variables: scopes, resolution per target, ``#{Name}`` substitution, masking and
output variables.

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
- :func:`mask` hides sensitive values as ``********`` in log text.
- :class:`OutputVariables` collects ``Set-OctopusVariable`` results for later steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "MASK",
    "OutputVariables",
    "ScopeContext",
    "Variable",
    "VariableDictionary",
    "VariableScope",
    "VariableSet",
    "mask",
    "resolve",
    "substitute",
]

#: What a sensitive value looks like in a task log.
MASK = "********"


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
    roles = {role.lower() for role in ctx.roles}
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
    return not scope.role or any(role.lower() in roles for role in scope.role)


class VariableDictionary(Mapping[str, str]):
    """Variables by name, looked up case-insensitively, knowing which values are sensitive."""

    def __init__(
        self, values: Mapping[str, str] | None = None, *, sensitive: Iterable[str] = ()
    ) -> None:
        # Keyed by the lower-cased name: the values (the very table substitution reads, so a
        # script's #{...} does not rebuild it for every action on every target) and the
        # spelling last given.
        given = values or {}
        self._table: dict[str, str] = {name.lower(): value for name, value in given.items()}
        self._names: dict[str, str] = {name.lower(): name for name in given}
        self._sensitive: set[str] = {name.lower() for name in sensitive}

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
        clone = VariableDictionary()
        clone._table = self._table.copy()
        clone._names = self._names.copy()
        clone._sensitive = self._sensitive.copy()
        return clone

    def is_sensitive(self, name: str) -> bool:
        """Return True if the variable ``name`` holds a sensitive value."""
        return name.lower() in self._sensitive

    def sensitive_values(self) -> list[str]:
        """Return the sensitive values (for :func:`mask`)."""
        return [self._table[key] for key in self._sensitive if key in self._table]

    def __getitem__(self, name: str) -> str:
        return self._table[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._table)

    def substitute(self, text: str) -> str:
        """Return ``text`` with this dictionary's ``#{Name}`` tokens replaced."""
        return substitute(text, self)

    def evaluated(self) -> VariableDictionary:
        """Return a copy whose every value has been substituted (OctopusPrintEvaluatedVariables)."""
        result = VariableDictionary()
        for name in self:
            result.set(name, self.substitute(self[name]), is_sensitive=self.is_sensitive(name))
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


def _expand(text: str, table: Mapping[str, str], active: frozenset[str]) -> str:
    if "#{" not in text:  # most text, and every token's name and most values, have none
        return text
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
        end = _closing(text, j + 2)
        if end < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        inner = _expand(text[j + 2 : end], table, active)
        key = inner.strip().lower()
        if key in table and key not in active:
            out.append(_expand(table[key], table, active | {key}))
        else:
            out.append("#{" + inner + "}")
        i = end + 1


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """Return ``text`` with every ``#{Name}`` whose name is in ``variables`` replaced.

    Names match case-insensitively; values are substituted too; unknown names, filters and
    cycles are left as written.
    """
    table = (variables._table if isinstance(variables, VariableDictionary)
             else {name.lower(): value for name, value in variables.items()})
    return _expand(text, table, frozenset())


def mask(text: str, sensitive_values: Iterable[str]) -> str:
    """Return ``text`` with each non-empty sensitive value replaced by ``********``.

    Longer values are masked first, so a value containing another is hidden whole.
    """
    for value in sorted({v for v in sensitive_values if v}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


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
