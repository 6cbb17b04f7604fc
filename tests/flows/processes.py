"""Starting, waiting for and stopping the real processes the slow flow tests run."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
FLOW = "newsfacts-pipeline"
# Cold starts take 15-30 s on a quiet 2-core machine; other test sessions may share it.
SERVER_START_S = 180


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a subprocess: no Prefect or newsfacts settings leak in from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSFACTS_"))}
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=str(SERVER_START_S),
        COLUMNS="200",
        **extra,
    )
    return env


def process_table() -> dict[int, tuple[int, str]]:
    """Parent pid and start time of every live process, from /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            table[int(stat.parent.name)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid` with its start time (flow runs of `serve` get sessions of their own)."""
    table = process_table()
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent and child not in found:
                found[child] = started
                todo.append(child)
    return found


def stop_group(proc: subprocess.Popen, grace_s: float = 15) -> None:
    """Stop a process started in its own session, its group and everything it started."""
    below = descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    alive = process_table()
    for pid, started in below.items():
        # The start time guards against a pid reused by someone else's process meanwhile.
        if pid in alive and alive[pid][1] == started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=30)


def wait_for(what: str, check, timeout_s: float, proc: subprocess.Popen | None = None, log: Path | None = None):
    """Poll `check` until it returns something truthy; fail with the process log if it died or time ran out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: process exited with {proc.returncode}\n{tail(log)}")
        result = check()
        if result:
            return result
        time.sleep(1)
    pytest.fail(f"{what}: not within {timeout_s:.0f} s\n{tail(log)}")


def tail(log: Path | None, lines: int = 60) -> str:
    """The end of a process log, for failure messages."""
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def healthy(api_url: str) -> bool:
    """Whether the server answers /api/health."""
    try:
        return httpx.get(f"{api_url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def prefect_server(root: Path) -> Iterator[str]:
    """The API URL of a real `prefect server start` on 127.0.0.1 with a temporary PREFECT_HOME under root."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = root / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            # The UI asks the port the server starts on, not the default 4200.
            env=clean_env(root / "server-home", PREFECT_UI_API_URL=api_url),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        wait_for("prefect server health", lambda: healthy(api_url), SERVER_START_S, proc, log)
        print(f"prefect server healthy after {time.monotonic() - started:.0f} s")
        yield api_url
    finally:
        stop_group(proc)


def tracebacks(log: Path) -> list[str]:
    """Every traceback in a server log, each with the lines around it."""
    lines = log.read_text(errors="replace").splitlines()
    return ["\n".join(lines[max(0, i - 2) : i + 20]) for i, line in enumerate(lines) if "Traceback" in line]


def delete_pipeline_deployments(api_url: str) -> None:
    """Remove every deployment of the pipeline flow (the server deletes their scheduled runs with them)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        for deployment in client.read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW]))):
            client.delete_deployment(deployment.id)


def newsfacts_env(root: Path, name: str, api_url: str, **extra: str) -> dict[str, str]:
    """The environment of a newsfacts or Prefect process on the server, with every newsfacts path under root."""
    return clean_env(
        root / f"{name}-home",
        PREFECT_API_URL=api_url,
        NEWSFACTS_SOURCE=str(root / "landing"),
        NEWSFACTS_WAREHOUSE=str(root / "warehouse" / "newsfacts.duckdb"),
        NEWSFACTS_PUBLISH_DIR=str(root / "published"),
        NEWSFACTS_DATA_DOCS_DIR=str(root / "data_docs"),
        **extra,
    )


def start(args: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    """A long-running command in its own session, its output in log."""
    with log.open("w") as out:
        return subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def start_serve(root: Path, api_url: str, name: str, *args: str, **extra: str) -> tuple[subprocess.Popen, Path]:
    """`newsfacts serve` against the server, with all newsfacts paths under root."""
    # Picks up due runs within 2 s instead of 10.
    env = newsfacts_env(root, name, api_url, PREFECT_RUNNER_POLL_FREQUENCY="2", **extra)
    log = root / f"{name}.log"
    return start([str(BIN / "newsfacts"), "serve", *args], env, log, root), log


def read_deployment(name: str):
    """A deployment of the pipeline flow, or None while it is not registered."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(f"{FLOW}/{name}")
        except ObjectNotFound:
            return None
