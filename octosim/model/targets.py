"""Which deployment targets a task acts on: by machine, by environment, by role.

Every Tentacle task names its targets the same few ways (``MachineIds``, ``EnvironmentIds``
or one ``EnvironmentId``, ``TargetRoles``), so reading those arguments and choosing the
machines lives here once, for every executor.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from octosim.model.executors import ArgumentError

if TYPE_CHECKING:
    from octosim.model.world import Machine, World

__all__ = ["environment_ids_argument", "id_list", "machine_ids_argument", "select_targets"]


def id_list(arguments: Mapping[str, Any], key: str) -> list[str]:
    """Return argument ``key`` as a list of strings: a list, or a comma-separated string
    (absent or empty: ``[]``). Raises ArgumentError for anything else."""
    raw = arguments.get(key)
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return list(raw)
    raise ArgumentError([f"{key}: expected a list of strings, got {raw!r}"])


def machine_ids_argument(
    arguments: Mapping[str, Any], space_id: str, world: World, *, required: bool
) -> list[str]:
    """Return the ``MachineIds`` argument as a list of known machine ids in ``space_id``.

    Accepts a list or a comma-separated string. Raises ArgumentError naming unknown ids,
    or if ``required`` and none were given.
    """
    try:
        ids = id_list(arguments, "MachineIds")
    except ArgumentError:
        raise ArgumentError(
            ["MachineIds must be a list of machine ids, e.g. [\"Machines-1\"]"]
        ) from None
    machines = world.machines
    unknown = [i for i in ids if (m := machines.get(i)) is None or m.space_id != space_id]
    if unknown:
        raise ArgumentError(
            [f"Machine(s) {', '.join(unknown)} do not exist in space {space_id}"]
        )
    if required and not ids:
        raise ArgumentError(["MachineIds: at least one machine id is required"])
    return ids


def environment_ids_argument(
    arguments: Mapping[str, Any], space_id: str, world: World
) -> list[str]:
    """Return the ``EnvironmentIds`` argument as a list of environment ids in ``space_id``.
    Raises ArgumentError naming any that do not exist there."""
    env_ids = id_list(arguments, "EnvironmentIds")
    unknown = [e for e in env_ids if getattr(world.environments.get(e), "space_id", None)
               != space_id]
    if unknown:
        raise ArgumentError([f"EnvironmentIds: {', '.join(unknown)} do not exist in {space_id}"])
    return env_ids


def select_targets(
    world: World,
    space_id: str,
    *,
    machine_ids: Sequence[str] | None = None,
    environment_ids: Collection[str] = (),
    roles: Collection[str] = (),
) -> list[Machine]:
    """Return the machines a task acts on.

    By machine (``machine_ids`` not None): those machines, in the order given (ids the
    world no longer knows are left out; a disabled machine is still a target, as asked),
    within ``environment_ids`` if any are given. Otherwise every enabled machine of
    ``space_id`` in any of ``environment_ids`` (all if none) with any of ``roles`` (any
    if none; roles compare without case), in id order.
    """
    if machine_ids is not None:
        machines = [world.machines[i] for i in machine_ids if i in world.machines]
        return [m for m in machines
                if not environment_ids or any(e in m.environment_ids for e in environment_ids)]
    wanted_roles = {r.lower() for r in roles}
    return [
        m for m in world.machines.values()
        if m.space_id == space_id and not m.is_disabled
        and (not environment_ids or any(e in m.environment_ids for e in environment_ids))
        and (not wanted_roles or any(r.lower() in wanted_roles for r in m.roles))
    ]
