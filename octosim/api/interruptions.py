"""Guided-failure interruptions (octopus-deployments.md §2.2, §2.6), as resources, handlers
and :data:`ROUTES`, over the board the Deploy and RunbookRun tasks raise them on
(``ctx.interruptions``, :class:`~octosim.model.interruptions.InterruptionBoard`).

``POST …/interruptions/{id}/submit`` takes the form's values: ``{"Result": "Retry"|"Fail"|
"Ignore", "Notes": …}`` as the C# and TS clients send them, or the same values under
``Form.Values`` (or ``Values``) as a resource read back carries them. The simulator does not
model responsibility: every caller who may edit tasks holds it (``HasResponsibility``), so
a submit never needs a ``PUT …/responsible`` first. Views need ``TaskView`` and a submit
``TaskEdit`` (Octopus's ``InterruptionView``/``InterruptionSubmit`` are not modelled).
The form's wording is UNCONFIRMED.
"""

from __future__ import annotations

from typing import Any

from octosim.api.bodies import Body, read_body
from octosim.api.context import RequestContext
from octosim.api.errors import bad_request
from octosim.api.projects import paged
from octosim.api.router import Route
from octosim.model.interruptions import GuidedFailureAnswer, Interruption
from octosim.model.world import Permission

__all__ = [
    "INTERRUPTION_QUERY",
    "ROUTES",
    "get_interruption",
    "interruption_resource",
    "list_interruptions",
    "submit_interruption",
]

INTERRUPTION_QUERY = "{?skip,take,regarding,pendingOnly,ids}"

#: The task arguments naming the document a task runs for (its interruption relates to it).
_DOCUMENT_ARGUMENTS = ("DeploymentId", "RunbookRunId")

_FORM_ELEMENTS: list[dict[str, Any]] = [
    {"Name": "Instructions", "Control": {
        "Type": "Paragraph", "ResolveLinks": False,
        "Text": "The step failed. Retry it, fail the deployment, or ignore the failure and "
                "go on as if it had succeeded."}, "IsValueRequired": False},
    {"Name": "Notes", "Control": {"Type": "TextArea", "Label": "Notes"},
     "IsValueRequired": False},
    {"Name": "Result", "Control": {
        "Type": "SubmitButtonGroup",
        "Buttons": [{"Text": a.value, "Value": a.value, "RequiresConfirmation": False}
                    for a in GuidedFailureAnswer]}, "IsValueRequired": True},
]


# -- resources ---------------------------------------------------------------------------------
def _related(ctx: RequestContext, interruption: Interruption) -> list[str]:
    """The task and the deployment or runbook run it runs (``RelatedDocumentIds``)."""
    related = [interruption.task_id]
    task = ctx.engine.get(interruption.task_id)
    if task is not None:
        related += [str(task.arguments[name]) for name in _DOCUMENT_ARGUMENTS
                    if task.arguments.get(name)]
    return related


def interruption_resource(ctx: RequestContext, interruption: Interruption) -> dict[str, Any]:
    """Return an InterruptionResource."""
    space, iid = interruption.space_id, interruption.id
    base = f"/api/{space}/interruptions/{iid}"
    values: dict[str, str] = {}  # Octopus lists only the values submitted
    if interruption.answer is not None:
        values = {"Result": interruption.answer.value, "Notes": interruption.notes}
    modified = interruption.answered if interruption.answered is not None else interruption.created
    user = ctx.user.id if ctx.user is not None else None
    links = {"Self": base, "Submit": f"{base}/submit", "Responsible": f"{base}/responsible"}
    return {
        "Id": iid, "SpaceId": space, "Title": interruption.title,
        "Created": ctx.dates.iso(interruption.created), "IsPending": interruption.is_pending,
        "Form": {"Values": values, "Elements": _FORM_ELEMENTS},
        "RelatedDocumentIds": _related(ctx, interruption),
        "ResponsibleTeamIds": [], "ResponsibleUserId": user if interruption.is_pending else None,
        "CanTakeResponsibility": interruption.is_pending,
        "HasResponsibility": interruption.is_pending,
        "TaskId": interruption.task_id, "CorrelationId": f"{interruption.task_id}_{iid}",
        "IsLinkedToOtherInterruption": False,
        "LastModifiedOn": ctx.dates.iso(modified), "LastModifiedBy": user,
        "Links": links,
    }


# -- handlers ----------------------------------------------------------------------------------
def list_interruptions(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/interruptions``: the space's interruptions, newest first, filtered by
    ``regarding`` (a task, deployment or runbook run id), ``pendingOnly`` and ``ids``."""
    space_id = ctx.space().id
    found = [i for i in reversed(ctx.interruptions.interruptions.values())
             if i.space_id == space_id]
    if ctx.query.flag("pendingOnly"):
        found = [i for i in found if i.is_pending]
    ids = ctx.query.values("ids")
    if ids:
        found = [i for i in found if i.id in ids]
    regarding = ctx.query.get("regarding")
    if regarding:
        found = [i for i in found if regarding in _related(ctx, i)]
    return paged(ctx, "Interruption", found, lambda i: interruption_resource(ctx, i),
                 INTERRUPTION_QUERY)


def _find(ctx: RequestContext, permission: Permission) -> Interruption:
    return ctx.find(ctx.interruptions.interruptions.get, permission)


def get_interruption(ctx: RequestContext) -> dict[str, Any]:
    """``GET …/interruptions/{id}``."""
    return interruption_resource(ctx, _find(ctx, Permission.TaskView))


def _form_values(body: Body) -> Body:
    """The submitted values: the body itself, or its ``Form.Values`` / ``Values`` (keys in
    any case, as every body the server reads)."""
    form = body.raw("Form")
    if isinstance(form, dict) and isinstance(Body(form).raw("Values"), dict):
        return Body(Body(form).raw("Values"))
    values = body.raw("Values")
    return Body(values) if isinstance(values, dict) else body


def submit_interruption(ctx: RequestContext) -> dict[str, Any]:
    """``POST …/interruptions/{id}/submit``: answer a guided failure; its task goes on."""
    interruption = _find(ctx, Permission.TaskEdit)
    values = _form_values(read_body(ctx))
    choices = ", ".join(a.value for a in GuidedFailureAnswer)
    result = values.text("Result")
    if not result:
        raise bad_request(f"Result: choose one of {choices} (send {{\"Result\": \"Retry\"}}).")
    if not interruption.is_pending:
        raise bad_request("The interruption has already been submitted.")
    values.text("Instructions")  # the form's paragraph, echoed back by some clients
    notes = values.text("Notes") or ""
    try:
        ctx.interruptions.submit(interruption.id, result, notes, now=ctx.now)
    except ValueError as exc:
        raise bad_request(f"Result: {exc}") from None
    return interruption_resource(ctx, interruption)


_P = Permission
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/interruptions", list_interruptions, permission=_P.TaskView,
          link="Interruptions", link_template="{/id}" + INTERRUPTION_QUERY),
    Route("GET", "/api/interruptions/{id}", get_interruption, permission=_P.TaskView,
          authorizes_itself=True),
    Route("POST", "/api/interruptions/{id}/submit", submit_interruption,
          permission=_P.TaskEdit, authorizes_itself=True),
)
