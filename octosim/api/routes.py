"""The route table: every operation the simulated server serves, as data.

Patterns are written in their unscoped form; a space-scoped route is also served at
``/api/{spaceId}/...`` and ``/api/spaces/{spaceId}/...`` (octopus-api.md §1). Read this
table to know what is covered; anything else is a 404 recorded in ``OctopusApi.unhandled``.
"""

from __future__ import annotations

from typing import NamedTuple

from octosim.api import handlers_machines as machines
from octosim.api import handlers_root as root
from octosim.api import handlers_tasks as tasks
from octosim.api.router import Handler
from octosim.model.world import Permission

__all__ = ["TABLE", "RouteSpec"]


class RouteSpec(NamedTuple):
    """One row of the table (see :class:`~octosim.api.router.Route` for the fields)."""

    method: str
    pattern: str
    handler: Handler
    permission: Permission | None = None
    space_scoped: bool = True
    authorizes_itself: bool = False
    anonymous: bool = False


_P = Permission
#: (method, pattern, handler, permission, space_scoped, authorizes_itself[, anonymous])
TABLE: tuple[RouteSpec, ...] = (
    # the connect sequence
    RouteSpec("GET", "/api", root.get_root, space_scoped=False, anonymous=True),
    RouteSpec("GET", "/api/{spaceId:space}", root.get_space_home, space_scoped=False),
    RouteSpec("GET", "/api/spaces", root.list_spaces, space_scoped=False),
    RouteSpec("GET", "/api/spaces/all", root.list_all_spaces, space_scoped=False),
    RouteSpec("GET", "/api/spaces/{id}", root.get_space, space_scoped=False),
    RouteSpec("GET", "/api/users/me", root.get_users_me, space_scoped=False),
    RouteSpec("GET", "/api/users/{id}/spaces", root.get_user_spaces, space_scoped=False),
    # tasks
    RouteSpec("GET", "/api/tasks", tasks.list_tasks, _P.TaskView, True, True),
    RouteSpec("POST", "/api/tasks", tasks.create_task, _P.TaskCreate, True, True),
    RouteSpec("GET", "/api/tasks/tasktypes", tasks.list_task_types, _P.TaskView),
    RouteSpec("GET", "/api/tasks/{id}", tasks.get_task, _P.TaskView, True, True),
    RouteSpec("GET", "/api/tasks/{id}/details", tasks.get_task_details, _P.TaskView, True, True),
    RouteSpec("GET", "/api/tasks/{id}/raw", tasks.get_task_raw, _P.TaskView, True, True),
    RouteSpec("POST", "/api/tasks/{id}/cancel", tasks.cancel_task, _P.TaskCancel, True, True),
    RouteSpec("POST", "/api/tasks/rerun/{id}", tasks.rerun_task, _P.TaskCreate, True, True),
    RouteSpec("POST", "/api/tasks/{id}/state", tasks.set_task_state, _P.TaskEdit, True, True),
    RouteSpec(
        "GET", "/api/tasks/{id}/queued-behind", tasks.list_queued_behind, _P.TaskView, True, True
    ),
    # environments
    RouteSpec("GET", "/api/environments", machines.list_environments, _P.EnvironmentView),
    RouteSpec("GET", "/api/environments/all", machines.list_all_environments, _P.EnvironmentView),
    RouteSpec(
        "GET", "/api/environments/{id}", machines.get_environment, _P.EnvironmentView, True, True
    ),
    # machines (deployment targets)
    RouteSpec("GET", "/api/machines", machines.list_machines, _P.MachineView),
    RouteSpec("GET", "/api/machines/all", machines.list_all_machines, _P.MachineView),
    RouteSpec("GET", "/api/machines/{id}", machines.get_machine, _P.MachineView, True, True),
    RouteSpec(
        "GET", "/api/machines/{id}/connection", machines.get_machine_connection, _P.MachineView,
        True, True,
    ),
    RouteSpec(
        "GET", "/api/machines/{id}/tasks", machines.list_machine_tasks, _P.MachineView, True, True
    ),
)
