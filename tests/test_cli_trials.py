"""Safe local trials: a busy port touches no file, the export finds the sandbox's ledger, and
bad arguments give one clear line instead of a traceback. Commands run their main() in this
process (tests/suqiu.py); the sandbox, which runs until stopped, runs as a real process."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from sandbox.client import SandboxClient
from tests.suqiu import InProcess, command_env


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port some other program listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("which", ["port", "dashboard-port"])
def test_busy_port_leaves_the_running_sandbox_ledger_alone(tmp_path: Path, busy_port: int,
                                                          which: str, suqiu: InProcess) -> None:
    ledger = tmp_path / "data" / "sandbox.db"
    ledger.parent.mkdir()
    ledger.write_bytes(b"the first sandbox's ledger")
    ports = {"port": str(_free_port()), "dashboard-port": str(_free_port())}
    ports[which] = str(busy_port)
    got = suqiu("sandbox", "--port", ports["port"], "--dashboard-port",
                ports["dashboard-port"])
    assert got.returncode == 1
    assert "已被占用" in got.stderr and str(busy_port) in got.stderr
    assert "Traceback" not in got.stderr
    assert ledger.read_bytes() == b"the first sandbox's ledger"


def test_bad_arguments_are_one_line(tmp_path: Path, suqiu: InProcess) -> None:
    for args, expect in (
        (("export", "--since", "2026-13-01", "-o", "x.csv"), "YYYY-MM-DD"),
        (("export", "--status", "瞎写", "-o", "x.csv"), "没有这个状态"),
        (("export",), "-o/--output"),
        (("export", "--db", "nope.db", "-o", "x.csv"), "找不到数据库文件 nope.db"),
        (("digest", "--chat", "abc"), "invalid int value"),
    ):
        got = suqiu(*args)
        assert got.returncode == 2, (args, got.stderr)
        lines = got.stderr.strip().splitlines()
        assert len(lines) == 1 and expect in lines[0], (args, got.stderr)
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "nope.db").exists()


def test_export_by_chinese_status_and_from_the_sandbox_ledger(tmp_path: Path,
                                                              suqiu: InProcess) -> None:
    import json

    export = {"name": "幸福社区3栋群", "id": 4242, "messages": [
        {"id": 2, "type": "message", "date": "2026-10-01T08:01:00", "from": "李阿姨",
         "from_id": "user1001", "text": "3栋门口路灯坏了好几天了"}]}
    (tmp_path / "result.json").write_text(json.dumps(export, ensure_ascii=False))
    (tmp_path / "data").mkdir()
    sandbox_db = tmp_path / "data" / "sandbox.db"
    applied = suqiu("replay", "result.json", "--apply", "--db", str(sandbox_db))
    assert applied.returncode == 2 and "找不到数据库文件" in applied.stderr
    up = suqiu("db", "upgrade", "--db", str(sandbox_db))
    assert up.returncode == 0, up.stderr
    applied = suqiu("replay", "result.json", "--apply", "--db", str(sandbox_db))
    assert "新建 #1" in applied.stdout and "opened" not in applied.stdout
    # The default database was never set up (only `suqiu db upgrade` creates one): the export
    # refuses in one line and says where the sandbox's ledger is.
    empty = suqiu("export", "-o", "a.csv")
    assert empty.returncode == 3 and "suqiu db upgrade" in empty.stderr
    assert "suqiu export --db data/sandbox.db" in empty.stdout
    got = suqiu("export", "--db", "data/sandbox.db", "--status", "待受理", "-o", "b.csv")
    assert got.returncode == 0 and "已导出 1 条" in got.stdout, got.stderr
    dry = suqiu("replay", "result.json")
    assert "将新建" in dry.stdout and "would-open" not in dry.stdout


def test_sandbox_prints_the_export_command_for_its_own_ledger(tmp_path: Path) -> None:
    env = command_env()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--port", str(_free_port()),
         "--dashboard-port", str(_free_port()), "--db", "mine.db"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl+C" in line:
                break
        assert any("suqiu export --db mine.db" in line for line in lines), lines
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


async def test_the_demo_dashboard_counts_the_complaint_just_posted(tmp_path: Path) -> None:
    """A visitor posts a complaint in the demo group, then opens the dashboard for the first
    time: the overview counts it (figures computed at the start would be served for their
    minute and say 0)."""
    env = command_env()
    port, dash = _free_port(), _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "sandbox", "--demo", "--port", str(port),
        "--dashboard-port", str(dash), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    client = SandboxClient(f"http://127.0.0.1:{port}")
    try:
        assert proc.stdout is not None
        login = ""
        while "Ctrl+C" not in (line := (await proc.stdout.readline()).decode()):
            assert line, "the sandbox stopped"
            if line.startswith("dashboard: "):
                login = line.split(" ", 1)[1].strip()
        token = login.split("token=", 1)[1]
        chat = int((await client.chats())[0]["id"])
        resident = await client.create_user("赵大爷")
        await client.add_member(chat, resident)
        sent = await client.send(chat, resident, "3栋门口路灯坏了好几天了")
        await client.wait_for(chat, lambda m: (m.get("reply_to_message") or {}).get(
            "message_id") == sent["message_id"] and "#1" in (m.get("text") or ""))
        async with aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {token}"}) as http, \
                http.get(f"http://127.0.0.1:{dash}/") as resp:
            page = re.sub(r"<[^>]+>", " ", await resp.text())
        assert resp.status == 200
        assert re.search(r"今日收到\s+1\s", page), page[:2000]
    finally:
        await client.close()
        proc.terminate()
        await proc.wait()


async def test_a_webhook_worker_rehearses_on_the_emulator_alone(tmp_path: Path) -> None:
    """A district rehearses its deployment with no token from BotFather: `suqiu sandbox
    --no-bot` prints the environment a worker needs, and a `suqiu run --webhook` worker
    started with it (and a ledger of its own) answers a complaint posted in the emulator."""
    env = command_env()
    port, worker = _free_port(), _free_port()
    emulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "sandbox", "--no-bot", "--port", str(port),
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)
    procs = [emulator]
    client = SandboxClient(f"http://127.0.0.1:{port}")
    try:
        assert emulator.stdout is not None
        exports: dict[str, str] = {}
        while "Ctrl+C" not in (line := (await emulator.stdout.readline()).decode()):
            assert line, "the emulator stopped"
            if line.startswith("export "):
                name, _, value = line[7:].strip().partition("=")
                exports[name] = value
        assert set(exports) == {"TELEGRAM_BOT_TOKEN", "SUQIU_TELEGRAM_API_URL",
                                "SUQIU_TELEGRAM_FILE_URL"}
        db = f"sqlite+aiosqlite:///{tmp_path / 'district.db'}"
        (tmp_path / "worker.yaml").write_text(
            f"bot: {{webhook_listen: 127.0.0.1, webhook_port: {worker}}}\n")
        worker_env = {**env, **exports, "SUQIU_DATABASE_URL": db,
                      "SUQIU_CONFIG": str(tmp_path / "worker.yaml"),
                      "SUQIU_WEBHOOK_URL": f"http://127.0.0.1:{worker}/telegram/webhook",
                      "SUQIU_WEBHOOK_SECRET": "rehearsal-secret"}
        upgrade = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "db", "upgrade", cwd=tmp_path, env=worker_env,
            stdout=asyncio.subprocess.DEVNULL)
        assert await upgrade.wait() == 0
        procs.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--webhook", cwd=tmp_path,
            env=worker_env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL))
        for _ in range(600):  # the worker is up and has set its webhook
            if ((await client.bot_info())["webhook"] or {}).get("has_secret"):
                break
            await asyncio.sleep(0.1)
        owner, resident = await client.create_user("王网格"), await client.create_user("李阿姨")
        chat = await client.create_chat("幸福社区3栋群", owner)
        await client.add_member(chat, resident)
        await client.add_bot(chat)
        sent = await client.send(chat, resident, "3栋门口路灯坏了好几天了")
        await client.wait_for(chat, lambda m: (m.get("reply_to_message") or {}).get(
            "message_id") == sent["message_id"] and "#1" in (m.get("text") or ""))
    finally:
        await client.close()
        for proc in procs:
            proc.terminate()
            await proc.wait()
