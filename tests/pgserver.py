"""A private PostgreSQL server for the test run.

The suite must prove the database code on a real PostgreSQL, so we start one from Debian's
binaries in a temporary data directory on a free loopback port. When it cannot start, we raise:
a silently skipped PostgreSQL run would hide exactly the bugs it is there to catch.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the server did not start."""


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL is not installed: run `make system-deps` "
            "(apt-get install -y postgresql)"
        )
    return Path(candidates[0]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    datadir: Path
    _proc_user: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        _run(self._proc_user, [str(_bin_dir() / "pg_ctl"), "-D", str(self.datadir),
                               "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _run(as_user: str | None, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    if as_user:
        cmd = ["runuser", "-u", as_user, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)


def start() -> PostgresServer:
    """Initialise and start a throwaway cluster; trust auth on loopback only."""
    bindir = _bin_dir()
    # The server refuses to run as root; run it as the Debian `postgres` user then.
    proc_user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresUnavailable("running as root and no `postgres` user exists") from exc
        proc_user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="suqiu-pg-"))
    datadir = base / "data"
    sockdir = base / "sock"
    sockdir.mkdir()
    if proc_user:
        shutil.chown(base, proc_user)
        shutil.chown(sockdir, proc_user)
    user = "suqiu"
    try:
        _run(proc_user, [str(bindir / "initdb"), "-D", str(datadir), "-U", user,
                         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
    except subprocess.CalledProcessError as exc:
        raise PostgresUnavailable(f"initdb failed: {exc.stderr}") from exc
    port = _free_port()
    opts = (f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    log = base / "server.log"
    res = _run(proc_user, [str(bindir / "pg_ctl"), "-D", str(datadir), "-o", opts,
                           "-l", str(log), "-w", "-t", "60", "start"], check=False)
    if res.returncode != 0:
        text = log.read_text() if log.exists() else ""
        raise PostgresUnavailable(f"PostgreSQL did not start: {res.stderr}\n{text}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        raise PostgresUnavailable("PostgreSQL started but does not accept connections")
    return PostgresServer("127.0.0.1", port, user, datadir, proc_user)
