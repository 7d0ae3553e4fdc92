"""Validation runs on a Dask cluster: ``restart-tentacle validate --dask SCHEDULER``.

For fleets that outgrow one machine. The chunks go to the cluster through Dask's own
``concurrent.futures`` interface (``Client.get_executor``), so they are run exactly as on a
local pool and the result is the same. Every Dask worker needs ``octosim`` installed (the
chunks name ``restart.validate_runs.run_chunk`` and carry octosim's scenarios). Dask is
the optional extra ``dask`` (``pip install 'octosim[dask]'``), imported only here and only
when asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

__all__ = ["CONNECT_TIMEOUT", "DaskUnavailable", "dask_executor"]

#: Seconds to wait for the scheduler to answer before giving up with a clear error.
CONNECT_TIMEOUT = 10.0


class DaskUnavailable(Exception):
    """Dask is not installed, or no scheduler answers at the address: the message says
    what to do."""


@contextmanager
def dask_executor(
    address: str, *, timeout: float = CONNECT_TIMEOUT
) -> Iterator[tuple[Executor, int]]:
    """Connect to the Dask scheduler at ``address`` (``tcp://host:8786``, as the scheduler
    prints it) and yield ``(executor, width)``: an executor that runs calls on the cluster,
    and the number of threads its workers have (how many chunks run at once). The
    connection is closed on exit.

    Raises DaskUnavailable when ``distributed`` is not installed, the address is not one
    Dask understands, or no scheduler answers within ``timeout`` seconds.
    """
    try:
        from distributed import Client
    except ImportError:
        raise DaskUnavailable(
            "--dask needs Dask's distributed scheduler, which is not installed: "
            "pip install 'octosim[dask]'"
        ) from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise DaskUnavailable(
            f"cannot use a Dask scheduler at {address!r}: {exc}. Give the address the "
            "scheduler prints when it starts (e.g. tcp://10.0.0.5:8786) and check that it is "
            "running and reachable from here"
        ) from None
    try:
        width = max(1, sum(client.nthreads().values()))
        # pure=False: every chunk is its own task, never merged with an equal-looking one.
        with client.get_executor(pure=False) as executor:
            yield executor, width
    finally:
        client.close()
