"""What a test's report carries (the timeline), strictness, and user-registered routes."""

from __future__ import annotations

import pytest

ARGS = ("-p", "no:cacheprovider")

UNIMPLEMENTED = """
import pytest

def test_unimplemented(octopus_client):
    assert octopus_client.get("/api/feeds").status_code == 404
    assert octopus_client.delete("/api/tasks").status_code == 405
    octopus_client.get("/api/feeds")
"""


def test_a_failing_test_carries_the_timeline_and_a_passing_one_does_not(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.octopus(scenario="named-instance", seed=3)
        def test_fails(octopus_client, octopus_clock):
            octopus_client.post("/api/tasks", json={"Name": "Retention"})
            octopus_clock.sleep(100)
            assert octopus_client.get("/api/tasks/ServerTasks-1").json()["State"] == "Failed"

        def test_passes(octopus_client):
            octopus_client.get("/api/tasks")
        """
    )
    result = pytester.runpytest(*ARGS, "-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*- octosim timeline (scenario named-instance, seed 3) -*",
        "[    0.000s] task     ServerTasks-1 Retention 'Retention task' created (Queued)",
        "[    0.000s] task     ServerTasks-1 Queued → Executing",
        "[    0.000s] request  POST /api/tasks → 201",
        "*s] task     ServerTasks-1 Executing → Success",
        "[  100.000s] request  GET /api/tasks/ServerTasks-1 → 200",
    ])
    assert result.stdout.str().count("octosim timeline") == 1


def test_timelines_of_every_simulation_a_test_made(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_two(octopus_factory):
            with octopus_factory(seed=1), octopus_factory(scenario="linux", seed=2):
                pass
            assert False
        """
    )
    result = pytester.runpytest(*ARGS)
    result.stdout.fnmatch_lines([
        "*octosim timeline (scenario default, seed 1, 1 of the last 2)*",
        "(nothing happened: no requests)",
        "*octosim timeline (scenario linux, seed 2, 2 of the last 2)*",
    ])


def test_strict_by_default_an_unimplemented_request_fails_the_test_saying_how_to_allow_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(UNIMPLEMENTED)
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "octosim: the test made requests the simulator does not implement (it answered 404 "
        "or 405):",
        "  GET /api/feeds  (x2)",
        "  DELETE /api/tasks",
        "",
        "Serve them with sim.api.add_route(method, pattern, handler), or allow them for this "
        "test with @pytest.mark.octopus(strict=False) (octopus_factory(strict=False) for one "
        "simulation), or for every test with the ini option octosim_strict = false.",
        "*octosim timeline*",
        "*GET /api/feeds → 404",
    ])


@pytest.mark.parametrize("how", ["marker", "ini", "factory", "attribute"])
def test_strictness_can_be_relaxed(pytester: pytest.Pytester, how: str) -> None:
    if how == "marker":
        pytester.makepyfile(UNIMPLEMENTED.replace(
            "def test_", "@pytest.mark.octopus(strict=False)\ndef test_"))
    elif how == "ini":
        pytester.makeini("[pytest]\noctosim_strict = false\n")
        pytester.makepyfile(UNIMPLEMENTED)
    else:
        relax = ("sim = octopus_factory(strict=False)" if how == "factory"
                 else "sim = octopus_factory()\n    octopus_factory.record_of(sim).strict = False")
        pytester.makepyfile(f"""
def test_unimplemented(octopus_factory):
    {relax}
    with sim.client() as client:
        assert client.get("/api/feeds").status_code == 404
""")
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=1)
    if how == "ini":
        result.stdout.fnmatch_lines(["octosim: scenario=default seed=0 strict=false*"])


def test_extra_routes_get_the_same_auth_error_bodies_and_journal(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx
        from octosim.api.errors import ApiError
        from octosim.journal import Kind
        from octosim.model.world import Permission

        PROJECTS = {"Projects-1": {"Id": "Projects-1", "Name": "Web", "SpaceId": "Spaces-1"}}

        def get_project(ctx):
            project = PROJECTS.get(ctx.params["id"])
            if project is None:
                raise ApiError(404, "The resource you requested was not found.",
                               [f"There is no project {ctx.params['id']}."])
            return project

        def test_projects(octopus, octopus_client):
            octopus.api.add_route("GET", "/api/projects/{id}", get_project,
                                  permission=Permission.SpaceView)
            for path in ("/api/projects/Projects-1", "/api/Spaces-1/projects/Projects-1",
                         "/api/spaces/Spaces-1/projects/Projects-1"):
                answer = octopus_client.get(path)
                assert answer.status_code == 200, answer.text
                assert answer.json()["Name"] == "Web"
            # The same error body as every built-in route...
            missing = octopus_client.get("/api/projects/Projects-9")
            assert missing.status_code == 404
            body = missing.json()
            assert body["ErrorMessage"] == "The resource you requested was not found."
            assert body["Errors"] == ["There is no project Projects-9."]
            assert {"FullException", "HelpText", "Details"} <= set(body)
            # ...the same authentication...
            anonymous = httpx.get(f"{octopus.base_url}/api/projects/Projects-1")
            assert anonymous.status_code == 401
            assert "ErrorMessage" in anonymous.json()
            # ...and the same journal.
            lines = [e.text for e in octopus.journal.entries(kind=Kind.Request)]
            assert "GET /api/Spaces-1/projects/Projects-1 → 200" in lines
            assert "GET /api/projects/Projects-9 → 404" in lines
        """
    )
    # Strict mode stays on: a user's route is implemented, so its 404 is not "unhandled".
    pytester.runpytest(*ARGS).assert_outcomes(passed=1)
