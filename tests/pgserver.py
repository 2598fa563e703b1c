"""A private PostgreSQL server for the test run.

The suite must prove the database code on a real PostgreSQL, so we start one from Debian's
binaries in a temporary data directory on a free loopback port. When it cannot start, we raise:
a silently skipped PostgreSQL run would hide exactly the bugs it is there to catch.

`pg_ctl` detaches the server, so a test run that is killed (SIGKILL, a CI timeout) leaves it
running. Each directory therefore names the process that owns it (`owner.pid`); a watchdog
stops the server when that process is gone, and every start first sweeps the directories of
owners that are gone (in case the watchdog was killed too).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "suqiu-pg-"
OWNER = "owner.pid"


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
        _stop_dir(self.datadir.parent)


def _stop_dir(base: Path) -> None:
    """Stop the server of a directory (when one runs) and remove the directory."""
    datadir = base / "data"
    if (datadir / "postmaster.pid").exists():
        proc_user = datadir.owner() if os.geteuid() == 0 else None  # as the server runs
        _run(proc_user, [str(_bin_dir() / "pg_ctl"), "-D", str(datadir),
                         "-m", "immediate", "stop"], check=False)
    shutil.rmtree(base, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _server_runs(base: Path) -> bool:
    try:
        pid = int((base / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return _alive(pid)


def sweep(tmp: Path | None = None) -> list[Path]:
    """Stop and remove the servers whose owning process is gone; the directories removed.

    A directory without an owner file (made by an older version, or being set up right now)
    is removed only when it is older than an hour and no server runs in it.
    """
    removed = []
    for base in Path(tmp or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((base / OWNER).read_text())
        except (OSError, ValueError):
            owner = None
        if owner is None:
            stale = time.time() - base.stat().st_mtime > 3600
            if stale and not _server_runs(base):
                shutil.rmtree(base, ignore_errors=True)
                removed.append(base)
        elif not _alive(owner):
            _stop_dir(base)
            removed.append(base)
    return removed


# Run by _watch: forks a watchdog that outlives the command (init adopts it, in a session of
# its own, so neither a signal to the test run's process group nor the run's exit ends it
# first); the watchdog polls the owner, then stops the server.
_WATCHDOG = """
import os, sys, time
from tests import pgserver
if os.fork():
    os._exit(0)
os.setsid()
owner, base = int(sys.argv[1]), pgserver.Path(sys.argv[2])
while pgserver._alive(owner) and base.exists():
    time.sleep(1)
if base.exists():
    pgserver._stop_dir(base)
"""


def _watch(base: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(base)], cwd=root,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True, timeout=60)


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
    sweep()
    base = Path(tempfile.mkdtemp(prefix=PREFIX))
    (base / OWNER).write_text(str(os.getpid()))
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
    _watch(base)
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
