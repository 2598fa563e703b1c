"""The `suqiu` command end to end: db upgrade, replay, export, digest; only `suqiu db upgrade`
migrates, every other command refuses a schema that is behind. Commands run their main() in
this process (tests/suqiu.py); the worker's refusal also runs as a real process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.suqiu import InProcess, process


def test_replay_export_digest(tmp_path: Path, suqiu: InProcess,
                              monkeypatch: pytest.MonkeyPatch,
                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("SUQIU_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    export = {"name": "幸福社区3栋群", "type": "private_supergroup", "id": 4242, "messages": [
        {"id": 1, "type": "service", "date": "2026-10-01T08:00:00", "action": "create_group"},
        {"id": 2, "type": "message", "date": "2026-10-01T08:01:00", "from": "李阿姨",
         "from_id": "user1001", "text": "3栋门口路灯坏了好几天了"},
        {"id": 3, "type": "message", "date": "2026-10-01T08:02:00", "from": "张师傅",
         "from_id": "user1002", "text": ["楼下", {"type": "bold", "text": "下水道堵了"},
                                          " 脏水冒出来了"]},
        {"id": 4, "type": "message", "date": "2026-10-01T08:03:00", "from": "小陈",
         "from_id": "user1003", "text": "哈哈哈"},
    ]}
    (tmp_path / "result.json").write_text(json.dumps(export, ensure_ascii=False))
    upgraded = suqiu("db", "upgrade")  # a new database is created, and said so
    assert upgraded.returncode == 0 and "已建好数据库" in upgraded.stdout, upgraded.stderr
    again = suqiu("db", "upgrade")
    assert "数据库已是最新版本" in again.stdout and "无需升级" in again.stdout, again.stderr
    dry = suqiu("replay", "result.json")
    assert dry.returncode == 0, dry.stderr
    assert "识别为诉求 2 条" in dry.stdout and "路灯照明" in dry.stdout
    applied = suqiu("replay", "result.json", "--apply")
    assert "新建 2 件" in applied.stdout, applied.stdout + applied.stderr
    out = suqiu("export", "--format", "xlsx", "-o", "ledger.xlsx")
    assert out.returncode == 0, out.stderr
    ws = load_workbook(tmp_path / "ledger.xlsx").active
    assert ws["A1"].value == "诉求编号" and ws.max_row == 3
    # By 负责人, as the dashboard's filter: the replayed group has no owner, nobody holds them.
    held = suqiu("export", "--holder", "1002", "-o", "held.csv")
    assert held.returncode == 0 and "已导出 0 条" in held.stdout, held.stderr
    caplog.set_level("INFO", logger="alembic")
    digest = suqiu("digest", "--dry-run")
    # The terminal shows the post as a member reads it, not its HTML.
    assert "📰 今日诉求日报（" in digest.stdout and "<b>" not in digest.stdout, digest.stdout
    # No command but `db upgrade` migrates (alembic says "Running upgrade" for each step).
    assert not [r for r in caplog.records if "Running upgrade" in r.getMessage()]
    feedback = suqiu("nlp", "feedback", "-o", "fb.jsonl")
    assert feedback.returncode == 0 and "导出 0 条" in feedback.stderr
    assert (tmp_path / "fb.jsonl").read_text() == ""
    bad = suqiu("replay", "nope.json")
    assert bad.returncode == 1 and "无法读取" in bad.stderr
    run = suqiu("run")
    assert run.returncode == 2 and "@BotFather" in run.stderr


def _behind(result: subprocess.CompletedProcess[str], upgrade: str = "suqiu db upgrade") -> bool:
    """Refused in one line that names the command to run."""
    lines = result.stderr.strip().splitlines()
    return result.returncode == 3 and len(lines) == 1 and upgrade in lines[0]


def _revisions() -> tuple[str, str]:
    from alembic.script import ScriptDirectory

    from issues.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision, head.revision


def test_only_db_upgrade_migrates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  suqiu: InProcess) -> None:
    from alembic import command
    from sqlalchemy import create_engine, inspect

    from issues.db import alembic_config

    db = tmp_path / "ledger.db"
    monkeypatch.setenv("SUQIU_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:not-needed-to-refuse")
    (tmp_path / "result.json").write_text(json.dumps({"name": "群", "messages": []}))

    # The worker and a command that writes (export's refusal: tests/test_cli_trials.py).
    for args in (["run"], ["replay", "result.json", "--apply"]):
        assert _behind(suqiu(*args)), args
    assert "alembic_version" not in inspect(create_engine(f"sqlite:///{db}")).get_table_names()

    # A ledger one migration behind is named by its revision, and so is the one needed.
    before, head = _revisions()
    command.upgrade(alembic_config(f"sqlite+aiosqlite:///{db}"), before)
    digest = suqiu("digest", "--dry-run")
    assert _behind(digest) and f"当前 {before}" in digest.stderr and head in digest.stderr
    # The sandbox migrates the fresh ledger it makes for a trial, never one kept with --db.
    kept = suqiu("sandbox", "--db", str(db), "--port", "0", "--dashboard-port", "0")
    assert _behind(kept, f"suqiu db upgrade --db {db}")

    assert suqiu("db", "upgrade").returncode == 0
    digest = suqiu("digest", "--dry-run")
    assert digest.returncode == 1 and "没有找到登记过的群" in digest.stderr  # it ran
    # The worker itself, as a process: refused before it opens a connection to Telegram.
    command.upgrade(alembic_config(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"), before)
    env = {"SUQIU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'old.db'}",
           "TELEGRAM_BOT_TOKEN": "123:not-needed-to-refuse"}
    assert _behind(process("run", cwd=tmp_path, env=env))
