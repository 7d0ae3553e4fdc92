"""The errors the deployment model raises, in Octopus's own words.

Every rule of the deployment model that refuses something raises :class:`DeploymentModelError`,
which carries what the API layer needs to answer as Octopus does: the summary
(``ErrorMessage``), the detail lines (``Errors``) and the HTTP status. The texts below are
the CONFIRMED ones of octopus-deployments.md §5.1 and §5.3, copied character for character
(the double space in :data:`NO_STEPS_TO_RUN` is Octopus's). Texts for UNCONFIRMED cases live
in :class:`~octosim.model.deploy_choices.DeploymentChoices` so a test can change them.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CHANNEL_OF_ANOTHER_PROJECT",
    "CHANNEL_REQUIRED",
    "HELP_TEXT",
    "INVALID_VERSION",
    "NO_PUBLISHED_SNAPSHOT",
    "NO_STEPS_TO_RUN",
    "NO_TAGGED_TENANTS",
    "PROBLEM_WITH_REQUEST",
    "PROJECT_DISABLED",
    "RELEASE_EXISTS",
    "UNKNOWN_ENVIRONMENTS",
    "DeploymentModelError",
]

#: The ``ErrorMessage`` of every 400 that lists its reasons in ``Errors``.
PROBLEM_WITH_REQUEST = "There was a problem with your request."

RELEASE_EXISTS = (
    "Release '{version}' already exists for this project. Please use a different version, "
    "or look at using a mask to auto-increment the number."
)
INVALID_VERSION = (
    "The release number '{version}' does not appear to be a valid version number. The version "
    "must consist of between 1 and 4 number only parts before the optional pre-release part. "
    "e.g. 2, 2.1, 2.4.0.23, 2.4-beta and 1-beta.2"
)
CHANNEL_REQUIRED = (
    "A channelId must be provided for a release when more than one exists for that project "
    "and no default channel has been specified."
)
CHANNEL_OF_ANOTHER_PROJECT = (
    "The channel {channel} specified for this release belongs to the project {project_id}. "
    "It does not belong to the same project as the release."
)
#: Tenant tags that select no tenant where the command deploys or runs (UNCONFIRMED
#: wording, octopus-deployments.md §7.1); ``environments`` joined with " or ".
NO_TAGGED_TENANTS = ("No tenant connected to the project {project} in {environments} has any "
                     "of the tenant tags {tags}.")
PROJECT_DISABLED = "The project is disabled, so releases cannot be created"
NO_STEPS_TO_RUN = (
    "There are no steps to run when deploying releases of {project} in the {channel} channel "
    "to the {environment} environment.  This can happen if your deployment process is empty, "
    "or review the filters applied to the steps in your deployment process."
)
#: Octopus appends this to the deployment refusals of §5.1 (no steps, lifecycle).
HELP_TEXT = (
    "Once you have corrected these problems you can try again. If the problem is related to a "
    "variable you will need to update the variables for this release or recreate the release "
    "for the changes to take effect. If the problem is related to the deployment process you "
    "will need to create a new release for the changes to take effect."
)
UNKNOWN_ENVIRONMENTS = "Unable to locate deployment environment(s) named {names}"
NO_PUBLISHED_SNAPSHOT = "Runbook has no published snapshot."


class DeploymentModelError(ValueError):
    """A request the deployment model refuses, shaped like Octopus's error body.

    ``errors`` are the lines of ``Errors``; ``error_message`` is ``ErrorMessage`` (the generic
    :data:`PROBLEM_WITH_REQUEST` unless the rule has its own summary); ``status_code`` is the
    HTTP status the API layer should answer with (400, or 404 for an unknown resource).
    ``str(error)`` is the summary followed by each line, as the TS client prints it.
    """

    def __init__(
        self,
        errors: str | Sequence[str],
        *,
        error_message: str = PROBLEM_WITH_REQUEST,
        status_code: int = 400,
    ) -> None:
        self.errors: tuple[str, ...] = (errors,) if isinstance(errors, str) else tuple(errors)
        self.error_message = error_message
        self.status_code = status_code
        super().__init__("\n".join((error_message, *self.errors)))
