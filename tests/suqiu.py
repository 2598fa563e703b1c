"""The `suqiu` command in tests: in this process (the same main() as the installed command,
without the two seconds of interpreter and import start-up a subprocess costs), or as a real
process where the process itself is what a test is about (signals, exit before Telegram,
the log a service manager sees)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the environment of a test run may hold that a command must not see unless a test says.
CLEARED = ("SUQIU_DATABASE_URL", "TELEGRAM_BOT_TOKEN")


def command_env() -> dict[str, str]:
    """The environment of a `python -m bot.cli` process: a cleared copy of ours that finds
    this checkout."""
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base["PYTHONPATH"] = str(ROOT)
    return base


def process(*args: str, cwd: Path, env: Mapping[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """`python -m bot.cli ARGS` in `cwd`, with `env` over `command_env()`."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd,
                          env={**command_env(), **(env or {})}, capture_output=True,
                          text=True, timeout=120, check=False)


class InProcess:
    """`suqiu(*args)` runs main() here, in the test's directory, and answers as
    subprocess.run would (exit status, stdout, stderr). The environment is restored after
    each command (`--db` names the file in it), so commands see what separate processes
    would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 cwd: Path) -> None:
        from bot import cli

        self.capsys, self.cli = capsys, cli
        monkeypatch.chdir(cwd)
        for name in CLEARED:
            monkeypatch.delenv(name, raising=False)
        # The test run's logging stays pytest's: no handlers of the command's own.
        monkeypatch.setattr(cli, "setup_logging", lambda *a, **kw: None)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        saved = dict(os.environ)
        self.capsys.readouterr()
        try:
            code = self.cli.main(list(args))
        except SystemExit as exc:  # argparse's errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.environ.clear()
            os.environ.update(saved)
        out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)
