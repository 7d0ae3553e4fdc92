"""A runner that drops octosim's modules between sessions still gets a working simulation.

pytest's ``pytester`` does so after every in-process run: it removes from ``sys.modules``
what the run imported, while ``octosim`` itself, imported by the plugin, stays. The next
run imports the modules afresh; a class or a module kept from the first (the package's
lazy ``octosim.Simulation``, its ``octosim.intercept`` attribute) would then serve a
simulation through the fresh interception beside the stale one, and every request would
fail as if made after ``with sim:`` ended. Run in a fresh interpreter, so that nothing this
test process imported first hides the problem.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys

    import requests  # kept, as the outer pytest process keeps it

    import octosim  # kept, as pytest keeps the plugin's package

    KEPT = set(sys.modules)


    def session():
        import requests

        from octosim import Simulation

        with Simulation.from_scenario("default", seed=0) as sim:
            answer = requests.get(f"{sim.options.base_url}/api/tasks",
                                  headers={"X-Octopus-ApiKey": sim.api_key}, timeout=5)
        return answer.status_code


    for _ in range(3):
        print(session())
        for name in set(sys.modules) - KEPT:  # what pytester does after an in-process run
            del sys.modules[name]
    """
)


def test_requests_reach_the_simulation_after_its_modules_are_dropped_and_imported_again(
) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["200", "200", "200"]
