"""The route table: every operation the simulated server serves, as data.

Patterns are written in their unscoped form; a space-scoped route is also served at
``/api/{spaceId}/...`` and ``/api/spaces/{spaceId}/...`` (octopus-api.md §1). Read this
table to know what is covered; anything else is a 404 recorded in ``OctopusApi.unhandled``.
"""

from __future__ import annotations

from octosim.api import handlers_machines as machines
from octosim.api import handlers_root as root
from octosim.api import handlers_tasks as tasks
from octosim.api.router import Route
from octosim.model.world import Permission

__all__ = ["TABLE"]


_P = Permission
#: The built-in routes (the fields are documented on :class:`~octosim.api.router.Route`);
#: Route objects are immutable, so every simulation's router can share them.
TABLE: tuple[Route, ...] = (
    # the connect sequence
    Route("GET", "/api", root.get_root, space_scoped=False, anonymous=True),
    Route("GET", "/api/{spaceId:space}", root.get_space_home, space_scoped=False),
    Route("GET", "/api/spaces", root.list_spaces, space_scoped=False),
    Route("GET", "/api/spaces/all", root.list_all_spaces, space_scoped=False),
    Route("GET", "/api/spaces/{id}", root.get_space, space_scoped=False),
    Route("GET", "/api/users/me", root.get_users_me, space_scoped=False),
    Route("GET", "/api/users/{id}/spaces", root.get_user_spaces, space_scoped=False),
    # tasks
    Route("GET", "/api/tasks", tasks.list_tasks, _P.TaskView, True, True),
    Route("POST", "/api/tasks", tasks.create_task, _P.TaskCreate, True, True),
    Route("GET", "/api/tasks/tasktypes", tasks.list_task_types, _P.TaskView),
    Route("GET", "/api/tasks/{id}", tasks.get_task, _P.TaskView, True, True),
    Route("GET", "/api/tasks/{id}/details", tasks.get_task_details, _P.TaskView, True, True),
    Route("GET", "/api/tasks/{id}/raw", tasks.get_task_raw, _P.TaskView, True, True),
    Route("POST", "/api/tasks/{id}/cancel", tasks.cancel_task, _P.TaskCancel, True, True),
    Route("POST", "/api/tasks/rerun/{id}", tasks.rerun_task, _P.TaskCreate, True, True),
    Route("POST", "/api/tasks/{id}/state", tasks.set_task_state, _P.TaskEdit, True, True),
    Route(
        "GET", "/api/tasks/{id}/queued-behind", tasks.list_queued_behind, _P.TaskView, True, True
    ),
    # environments
    Route("GET", "/api/environments", machines.list_environments, _P.EnvironmentView),
    Route("GET", "/api/environments/all", machines.list_all_environments, _P.EnvironmentView),
    Route(
        "GET", "/api/environments/{id}", machines.get_environment, _P.EnvironmentView, True, True
    ),
    # machines (deployment targets)
    Route("GET", "/api/machines", machines.list_machines, _P.MachineView),
    Route("GET", "/api/machines/all", machines.list_all_machines, _P.MachineView),
    Route("GET", "/api/machines/{id}", machines.get_machine, _P.MachineView, True, True),
    Route(
        "GET", "/api/machines/{id}/connection", machines.get_machine_connection, _P.MachineView,
        True, True,
    ),
    Route(
        "GET", "/api/machines/{id}/tasks", machines.list_machine_tasks, _P.MachineView, True, True
    ),
)
