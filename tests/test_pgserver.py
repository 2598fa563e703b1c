"""The test PostgreSQL does not outlive the run that started it (tests/pgserver.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_sweep_removes_what_gone_runs_left_and_keeps_the_rest(tmp_path: Path) -> None:
    gone = tmp_path / f"{pgserver.PREFIX}gone"
    mine = tmp_path / f"{pgserver.PREFIX}mine"
    old = tmp_path / f"{pgserver.PREFIX}old"  # an older version's directory: no owner file
    for base in (gone, mine, old):
        (base / "data").mkdir(parents=True)
    (gone / pgserver.OWNER).write_text(str(_dead_pid()))
    (mine / pgserver.OWNER).write_text(str(os.getpid()))
    assert pgserver.sweep(tmp_path) == [gone]
    hour_ago = time.time() - 3700
    os.utime(old, (hour_ago, hour_ago))
    assert pgserver.sweep(tmp_path) == [old]
    assert mine.exists() and not gone.exists() and not old.exists()


STARTER = """
import sys, time
from tests import pgserver
server = pgserver.start()
print(server.datadir.parent, flush=True)
time.sleep(300)
"""


@pytest.mark.postgres
def test_a_killed_run_leaves_no_server_behind() -> None:
    with subprocess.Popen([sys.executable, "-c", STARTER], cwd=ROOT, stdout=subprocess.PIPE,
                          text=True) as run:
        assert run.stdout is not None
        base = Path(run.stdout.readline().strip())
        pid = int((base / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(run.pid, signal.SIGKILL)  # no finally, no atexit: as a CI timeout kills it
    deadline = time.monotonic() + 30
    while (base.exists() or pgserver._alive(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not base.exists(), "the killed run's data directory is still there"
    assert not pgserver._alive(pid), "the killed run's PostgreSQL still runs"
