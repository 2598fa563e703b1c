"""The `suqiu` command end to end in a subprocess: db upgrade, replay, export, digest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent


def _suqiu(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_replay_export_digest(tmp_path: Path) -> None:
    env = {**os.environ, "SUQIU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
           "PYTHONPATH": str(ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
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
    dry = _suqiu("replay", "result.json", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "识别为诉求 2 条" in dry.stdout and "路灯照明" in dry.stdout
    applied = _suqiu("replay", "result.json", "--apply", env=env, cwd=tmp_path)
    assert "新建 2 件" in applied.stdout, applied.stdout + applied.stderr
    out = _suqiu("export", "--format", "xlsx", "-o", "ledger.xlsx", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    ws = load_workbook(tmp_path / "ledger.xlsx").active
    assert ws["A1"].value == "诉求编号" and ws.max_row == 3
    digest = _suqiu("digest", "--dry-run", env=env, cwd=tmp_path)
    assert "今日诉求日报" in digest.stdout
    assert "alembic" not in digest.stderr  # no migration chatter on every command
    feedback = _suqiu("nlp", "feedback", "-o", "fb.jsonl", env=env, cwd=tmp_path)
    assert feedback.returncode == 0 and "导出 0 条" in feedback.stderr
    assert (tmp_path / "fb.jsonl").read_text() == ""
    bad = _suqiu("replay", "nope.json", env=env, cwd=tmp_path)
    assert bad.returncode == 1 and "无法读取" in bad.stderr
    run = _suqiu("run", env=env, cwd=tmp_path)
    assert run.returncode == 2 and "@BotFather" in run.stderr
