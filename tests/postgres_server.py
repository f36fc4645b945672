"""A real PostgreSQL server for the history tests: Debian's `postgresql` package (which .ci/run
installs), started in a folder of its own on a free local port with trust auth, and stopped and
removed afterwards. Where none can be started the tests that need it skip, saying why in one line;
docs/evidence/scripts/history_postgres_evidence.py starts one the same way."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

SERVER_USER = "postgres"  # initdb refuses root; Debian's package creates this user


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerUnavailable(RuntimeError):
    """No server could be started here; the message says why in one line."""


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        raise ServerUnavailable("PostgreSQL: running as root without runuser, and initdb refuses root")
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["?"])[-1]


@contextmanager
def running_server() -> Iterator[str]:
    """A fresh server for the block: its URL; stopped and its folder removed when the block ends."""
    binaries = _binaries()
    if binaries is None:
        raise ServerUnavailable("PostgreSQL: no server installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="nnbench-postgres-"))
    data, port = folder / "data", _free_port()
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, SERVER_USER)
        initdb = subprocess.run(
            _as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", "nnbench", "--auth=trust", "-E", "UTF8"]),
            capture_output=True,
            text=True,
        )
        if initdb.returncode != 0:
            raise ServerUnavailable(f"PostgreSQL: initdb failed: {_last_line(initdb.stderr)}")
        options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1"
        started = subprocess.run(
            _as_server_user(
                [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
            ),
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            raise ServerUnavailable(f"PostgreSQL: the server did not start: {_last_line(started.stdout)}")
        try:
            yield f"postgresql://nnbench@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgresql_url():
    with ExitStack() as stack:
        try:
            url = stack.enter_context(running_server())
        except ServerUnavailable as why:
            pytest.skip(f"{why}; the SQLite tests still ran")
        yield url
