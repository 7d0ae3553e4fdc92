"""Releases: version rules, the default version template, and the frozen snapshot.

A :class:`Release` holds a **copy** of its project's process and variables taken when it was
created (octopus-deployments.md §5.1: "If the problem is related to the deployment process you
will need to create a new release"), so editing the project never changes a release.

Versions follow Octopus's rule (§5.3, CONFIRMED wording): 1 to 4 numeric parts, then an
optional pre-release part after ``-`` (and build metadata after ``+``). A release created
without a version takes the project's template, by default
``#{Octopus.Version.LastMajor}.#{Octopus.Version.LastMinor}.#{Octopus.Version.NextPatch}``:
``0.0.1``, ``0.0.2``, …. "Last" is the project's highest version so far (a choice: Octopus
says "the last release"; the highest keeps numbering monotone and collision-free).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from octosim.model.deploy_errors import INVALID_VERSION, DeploymentModelError
from octosim.model.projects import DeploymentProcess
from octosim.model.variables import Variable, substitute

__all__ = [
    "DEFAULT_VERSION_TEMPLATE",
    "Release",
    "ReleaseVersion",
    "next_version",
    "parse_version",
]

#: §5.1, CONFIRMED: the template of a project that sets none.
DEFAULT_VERSION_TEMPLATE = (
    "#{Octopus.Version.LastMajor}.#{Octopus.Version.LastMinor}.#{Octopus.Version.NextPatch}"
)

_VERSION = re.compile(
    r"^(?P<numbers>\d+(?:\.\d+){0,3})"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


@dataclass(frozen=True, order=True)
class ReleaseVersion:
    """A parsed release number, ordered as Octopus sorts versions.

    ``numbers`` is padded to four parts for ordering; a pre-release sorts before the same
    numbers without one.
    """

    numbers: tuple[int, int, int, int]
    is_release: bool
    pre_release: tuple[tuple[int, int | str], ...]
    text: str = field(compare=False)

    @property
    def major(self) -> int:
        """Return the first number."""
        return self.numbers[0]

    @property
    def minor(self) -> int:
        """Return the second number (0 when absent)."""
        return self.numbers[1]

    @property
    def patch(self) -> int:
        """Return the third number (0 when absent)."""
        return self.numbers[2]

    @property
    def build(self) -> int:
        """Return the fourth number (0 when absent)."""
        return self.numbers[3]


#: Octopus keeps each number of a version in a .NET Int32: a larger one is not a version.
_LARGEST_NUMBER = 2**31 - 1


def _is_number(part: str) -> bool:
    """Whether ``part`` is digits an Int32 holds (checked by length first: int() refuses
    strings of thousands of digits)."""
    return (part.isdigit() and len(part) <= len(str(_LARGEST_NUMBER))
            and int(part) <= _LARGEST_NUMBER)


def _identifier(part: str) -> tuple[int, int | str]:
    # Semver: numeric identifiers sort before alphanumeric ones, numerically; a run of digits
    # too long for an Int32 sorts as text, as NuGet's parse reads it.
    return (0, int(part)) if _is_number(part) else (1, part.lower())


def parse_version(text: str) -> ReleaseVersion:
    """Return ``text`` as a :class:`ReleaseVersion`.

    Raises DeploymentModelError with Octopus's "does not appear to be a valid version number"
    text if it is not 1–4 numeric parts (each at most 2,147,483,647, an Int32) with an
    optional ``-pre-release`` / ``+build``.
    """
    match = _VERSION.match(text.strip())
    if match is None or not all(map(_is_number, match["numbers"].split("."))):
        raise DeploymentModelError(INVALID_VERSION.format(version=text))
    parts = list(map(int, match["numbers"].split(".")))
    numbers = [*parts, 0, 0, 0][:4]
    pre = match["pre"]
    return ReleaseVersion(
        (numbers[0], numbers[1], numbers[2], numbers[3]),
        pre is None,
        tuple(_identifier(p) for p in pre.split(".")) if pre else (),
        text.strip(),
    )


def _version_variables(last: ReleaseVersion | None) -> dict[str, str]:
    numbers = last.numbers if last else (0, 0, 0, 0)
    names = ("Major", "Minor", "Patch", "Build")
    values: dict[str, str] = {}
    for name, number in zip(names, numbers, strict=True):
        values[f"Octopus.Version.Last{name}"] = str(number)
        values[f"Octopus.Version.Next{name}"] = str(number + 1)
    return values


def next_version(
    existing: Iterable[str], template: str = "", variables: dict[str, str] | None = None
) -> str:
    """Return the version a release created without one gets.

    ``existing`` are the project's release versions; ``template`` its versioning template
    (empty = the default one); ``variables`` any other values the template may use.
    Raises DeploymentModelError if the template does not produce a valid version.
    """
    parsed = [parse_version(v) for v in existing]
    last = max(parsed) if parsed else None
    values = dict(variables or {})
    values.update(_version_variables(last))
    version = substitute(template or DEFAULT_VERSION_TEMPLATE, values)
    parse_version(version)
    return version


@dataclass
class Release:
    """A ``Releases-N``: a version of a project on a channel, with its frozen snapshot.

    ``process`` and ``variables`` are copies made at creation; nothing edits them later.
    """

    id: str
    space_id: str
    project_id: str
    channel_id: str
    version: str
    process: DeploymentProcess
    variables: tuple[Variable, ...]
    created: float
    release_notes: str = ""
    project_variable_set_snapshot_id: str = ""
    project_deployment_process_snapshot_id: str = ""

    @property
    def parsed_version(self) -> ReleaseVersion:
        """Return the version, parsed (it was valid when the release was created)."""
        return parse_version(self.version)
