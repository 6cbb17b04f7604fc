"""A private Prefect API server for one command, started before Prefect itself is imported."""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

# Exactly the server Prefect starts for itself when no API is configured (`SubprocessASGIServer` in
# prefect/server/api/server.py): its app factory under uvicorn, no UI, no background services.
_EPHEMERAL_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
# Unless the user set them: no block types registered. Checking whether they changed imports every
# installed collection (prefect-dask imports dask and distributed), 1.3 s of the server's 5-6 s start;
# newsfacts uses no blocks, and a `prefect server start` on the same PREFECT_HOME registers them.
_QUICK_START_ENV = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}
_PR_SET_PDEATHSIG = 1
# Imported by Prefect on the first flow run (serializing its parameters imports FastAPI, 0.3 s): imported
# while the server boots instead.
_IMPORTED_BY_THE_FIRST_FLOW_RUN = ("prefect.flow_engine", "prefect.task_engine", "fastapi.encoders")


class EmbeddedAPIError(RuntimeError):
    """Prefect's API server did not start."""


class EmbeddedAPI:
    """Prefect's API server in a child process, on a free port of 127.0.0.1.

    Prefect would start the same server on the first flow call, after importing its server modules
    (3 s here) in this process; launched first, the server boots on the other core while this
    process imports the pipeline.
    """

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.process = _spawn(self.port)

    def wait_ready(self, timeout_s: float) -> None:
        """Block until the server answers its health check; raise if it exits or times out."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                code = self.process.poll()
                if code is not None:
                    raise EmbeddedAPIError(f"Prefect's server exited with code {code} before answering")
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.url}/health").status_code == 200:
                        return
                time.sleep(0.05)
        self.stop()
        raise EmbeddedAPIError(
            f"Prefect's server did not answer within {timeout_s:.0f} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS; or set PREFECT_API_URL to a running server)"
        )

    def stop(self) -> None:
        """Terminate the server and wait for it (killed after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _spawn(port: int) -> subprocess.Popen:
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        raise EmbeddedAPIError("Prefect is not installed")
    site_packages = Path(spec.origin).parent.parent
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(site_packages), "--factory"]
    args += ["prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--log-level", "error", "--lifespan", "on"]
    env = {**_QUICK_START_ENV, **os.environ, **_EPHEMERAL_ENV}
    return subprocess.Popen(args, env=env, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    # A `newsfacts run` killed with SIGKILL cannot stop its server: Linux does it (prctl(2)). As a
    # preexec_fn this runs between fork and exec, which is safe here: the commands start the server
    # before any thread of theirs.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def prefect_api() -> Iterator[Callable[[], str | None]]:
    """Prefect's API for one command: the configured one, else a private server stopped at the end.

    Yields `ready()`: call it after the slow imports, it waits for the server and points Prefect at
    it, returning its URL (None when the configured API is used). The server is started before
    Prefect is imported (reading Prefect's settings imports it, ~1.5 s), so it boots meanwhile; a
    Prefect profile that names an API makes it redundant, and it is then stopped unused.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield lambda: None
        return
    server = EmbeddedAPI()
    with contextlib.ExitStack() as stack:
        stack.callback(server.stop)

        def ready() -> str | None:
            from prefect.settings import (
                PREFECT_API_URL,
                PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
                PREFECT_SERVER_EPHEMERAL_ENABLED,
                PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
                PREFECT_UI_URL,
                temporary_settings,
            )
            from prefect.settings.models.flows import FlowsSettings

            if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
                server.stop()
                return None
            for module in _IMPORTED_BY_THE_FIRST_FLOW_RUN:
                importlib.import_module(module)
            server.wait_ready(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
            # Child processes (Dask workers) read the environment, this process its settings context.
            os.environ["PREFECT_API_URL"] = server.url
            stack.callback(os.environ.pop, "PREFECT_API_URL", None)
            # No UI URL: this server has no UI and is gone after the command, so Prefect's "View at" link
            # would lead nowhere; the command says where to see the run instead (`where_to_see`).
            updates = {PREFECT_API_URL: server.url, PREFECT_UI_URL: ""}
            if PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() == FlowsSettings.model_fields["heartbeat_frequency"].default:
                # Unless the user set them, no heartbeats: they let a server mark the runs of a dead process
                # as crashed, and this server ends with the process. Prefect joins the heartbeat thread at
                # the end of every flow run, which sleeps in 1 s steps: 0.5 s a flow run on average.
                updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
            stack.enter_context(temporary_settings(updates=updates))
            # Unwound first: logs and events still queued reach the server before it stops (sent
            # afterwards, Prefect's workers retry for a minute at exit).
            stack.callback(_drain_prefect_workers)
            return server.url

        yield ready


def _drain_prefect_workers() -> None:
    """Send Prefect's queued logs and events now, as `prefect_test_harness` does before stopping its server."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # never started: nothing was logged
            pending = APILogWorker.instance().drain()
            if inspect.isawaitable(pending):
                await pending
        pending = EventsWorker.drain_all()
        if inspect.isawaitable(pending):
            await pending

    run_coro_as_sync(drain())


def where_to_see(flow_run_id: object) -> str:
    """Where a run recorded by the embedded server can be seen once that server has stopped."""
    from prefect.settings import get_current_settings

    home = get_current_settings().home
    return (
        f"the Prefect run {flow_run_id} is kept in {home}: start a server on the same PREFECT_HOME "
        f"(`PREFECT_HOME={home} prefect server start`) and open http://127.0.0.1:4200/runs/flow-run/{flow_run_id}"
    )
