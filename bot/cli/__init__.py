"""The `suqiu` command: one entry point for every way of running Suqiu.

This package is the composition root: `suqiu sandbox` wires the Telegram emulator, the bot and
the dashboard into one process and `suqiu run --webhook` serves the dashboard beside the
webhook, so `bot.cli` alone imports `sandbox` and `web` (each command's module is imported only
when it runs). Everything else in `bot/` follows DESIGN.md's import rules.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bot.cli.logs import setup_logging
from issues.settings import SettingsError

if TYPE_CHECKING:
    from issues.db import SchemaBehind


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments end in one clear line on stderr (and exit status 2), not a usage block
    or a traceback; `suqiu COMMAND --help` still shows the whole usage."""

    def error(self, message: str) -> NoReturn:
        m = re.match(r"argument (\S+): (.*)", message, re.S)
        if m and re.search(r"[\u4e00-\u9fff]", m.group(2)):  # ours, in Chinese
            self.exit(2, f"{self.prog} {m.group(1)}：{m.group(2)}（用 --help 查看用法）\n")
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD，例如 2026-11-30，而不是 {text!r}"
                                         ) from None


def _status(text: str) -> str:
    """A status by its Chinese name (待受理) or its code (open); 未办结 means every open one."""
    from bot.present.templates import status_words

    names = status_words()
    if text in names:
        return names[text]
    if text in names.values():
        return text
    raise argparse.ArgumentTypeError(f"没有这个状态：{text}（可选：{'、'.join(names)}）")


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", dest="db_file", metavar="FILE",
                   help="SQLite file to use instead of SUQIU_DATABASE_URL "
                        "(e.g. data/sandbox.db after a sandbox session)")


def _parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="suqiu", description="诉求 Suqiu: 社区群诉求机器人")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot against Telegram (TELEGRAM_BOT_TOKEN)")
    run.add_argument("--webhook", action="store_true",
                     help="use a webhook (needs SUQIU_WEBHOOK_URL); polling otherwise")
    run.set_defaults(func=_lazy("bot.cli.run", "run_main"))

    sb = sub.add_parser("sandbox", help="run the Telegram sandbox, the bot and the dashboard")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8000, help="chat page and bot API port")
    sb.add_argument("--dashboard-port", type=int, default=8001)
    sb.add_argument("--db", default=None,
                    help="SQLite file to keep (default: a fresh data/sandbox.db each run)")
    sb.add_argument("--demo", action="store_true",
                    help="create the group 幸福社区3栋群 with an owner and three residents")
    sb.add_argument("--no-bot", action="store_true",
                    help="the emulator alone, for bots of your own: `suqiu run` workers, "
                         "webhook or polling (prints the environment they need)")
    sb.set_defaults(func=_lazy("bot.cli.sandbox", "sandbox_main"))

    cl = sub.add_parser("classify", help="classify messages (JSON lines or plain text)")
    cl.add_argument("file", nargs="?", help="input file; stdin when omitted")
    cl.set_defaults(func=_with_rules(_lazy("nlp.cli", "classify_main")))

    nlp = sub.add_parser("nlp", help="detector tools").add_subparsers(dest="nlp_command")
    ev = nlp.add_parser("eval", help="detector figures on the held-out part of labelled files")
    ev.add_argument("files", nargs="+", metavar="FILE")
    ev.add_argument("--folds", type=int, default=0,
                    help="cross-validate on the tuning part instead (weights refitted per fold)")
    ev.add_argument("--rule-folds", action="store_true",
                    help="with --folds: also score each fold without the rule entries that "
                         "only its own messages use (how the rules carry to new text)")
    ev.add_argument("--all", action="store_true", help="every message, tuning part included")
    ev.add_argument("--tuning", action="store_true",
                    help="the tuning part with the weights in force (training accuracy for the "
                         "rules; honest for a word layer fitted on other files)")
    ev.add_argument("--misses", action="store_true", help="list the messages it got wrong")
    ev.add_argument("--rules", help="a rule directory (default: the rules in force)")
    ev.add_argument("--json", action="store_true", help="machine-readable output")
    ev.add_argument("--no-words", action="store_true",
                    help="the rules alone, without the word layer (config/rules/words.yaml)")
    ev.set_defaults(func=_with_rules(_lazy("nlp.cli", "eval_main")))
    tr = nlp.add_parser("train", help="fit the rule weights from labelled files")
    tr.add_argument("files", nargs="+", metavar="DATA")
    tr.add_argument("-o", "--output", required=True, help="weights file to write")
    tr.add_argument("--rules", help="a rule directory (default: the rules in force)")
    tr.add_argument("--penalty", type=float, default=None,
                    help="how strongly an entry's weight is held to its kind's default")
    tr.add_argument("--words", action="store_true",
                    help="fit the word layer on top of the rule weights in force instead "
                         "(-o config/rules/words.yaml)")
    tr.add_argument("--band", type=float, default=None,
                    help="with --words: touch only messages within ±BAND log-odds of the "
                         "threshold (default: every message the rules find evidence in)")
    tr.set_defaults(func=_with_rules(_lazy("nlp.cli", "train_main")))
    fb = nlp.add_parser("feedback", help="export 不是诉求 feedback as labelled JSONL")
    fb.add_argument("-o", "--output", default="-")
    _db_option(fb)
    fb.set_defaults(func=_lazy("bot.cli.db", "feedback_main"))

    db = sub.add_parser("db", help="database tools").add_subparsers(dest="db_command")
    up = db.add_parser("upgrade", help="create or upgrade the database (Alembic)")
    _db_option(up)
    up.set_defaults(db_may_create=True)
    up.set_defaults(func=_lazy("bot.cli.db", "db_upgrade_main"))

    dg = sub.add_parser("digest", help="post the daily digest now")
    dg.add_argument("--chat", type=int, help="one group's chat id (all groups when omitted)")
    dg.add_argument("--dry-run", action="store_true", help="print instead of sending")
    _db_option(dg)
    dg.set_defaults(func=_lazy("bot.cli.digest", "digest_main"))

    ex = sub.add_parser("export", help="export the ledger (台账) as CSV or XLSX, or "
                        "(export hotline) what became of each 12345 order, as CSV or JSON")
    ex.add_argument("what", nargs="?", choices=["ledger", "hotline"], default="ledger")
    ex.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    ex.add_argument("--status", type=_status, help="待受理、已受理、处理中、已办结、已关闭、"
                    "不予受理、误识别、未办结 (or the codes open, acknowledged, …)")
    ex.add_argument("--category")
    ex.add_argument("--group", type=int, help="chat id")
    ex.add_argument("--holder", type=int, help="负责人's Telegram user id: issues assigned to "
                    "them, and unassigned ones of the groups they own")
    ex.add_argument("--since", type=_day, help="YYYY-MM-DD")
    ex.add_argument("--until", type=_day, help="YYYY-MM-DD")
    ex.add_argument("-o", "--output", required=True)
    _db_option(ex)
    ex.set_defaults(func=_lazy("bot.cli.export", "export_main"))

    im = sub.add_parser("import", help="import 12345 hotline orders (import hotline FILE)")
    what = im.add_subparsers(dest="import_command", metavar="WHAT")
    hl = what.add_parser("hotline", help="12345 orders from a CSV or JSON file: number, time, "
                         "text, category, address, phone")
    hl.add_argument("file")
    hl.add_argument("--format", choices=["csv", "json"],
                    help="the file's format (default: from its suffix)")
    _db_option(hl)
    hl.set_defaults(func=_lazy("bot.cli.hotline", "import_main"))

    rp = sub.add_parser("replay", help="run a Telegram Desktop chat export through the detector")
    rp.add_argument("file")
    rp.add_argument("--apply", action="store_true", help="also open the issues in the database")
    _db_option(rp)
    rp.set_defaults(func=_lazy("bot.cli.replay", "replay_main"))
    return p


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """Import a command's module only when it runs, so `suqiu --help` stays fast."""

    def call(args: argparse.Namespace) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), name)(args) or 0)

    return call


def _with_rules(
    call: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """The detector's rules from settings (paths.rules) when a deployment has its own."""

    def run(args: argparse.Namespace) -> int:
        from issues.settings import load_settings
        from nlp import reload_rules

        rules_dir = load_settings().rules_dir
        if rules_dir is not None:
            reload_rules(rules_dir)
        return call(args)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    # PTB 22 durations as timedelta (its announced future default), without the warning.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        use_db_file(getattr(args, "db_file", None), getattr(args, "db_may_create", False))
        return func(args)
    except KeyboardInterrupt:
        return 130
    except (SettingsError, CliError) as exc:
        print(f"suqiu: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from issues.db import SchemaBehind  # the database layer loads only when it is used

        if not isinstance(exc, SchemaBehind):
            raise
        print(schema_behind_message(exc, args), file=sys.stderr)
        return 3


def schema_behind_message(exc: SchemaBehind, args: argparse.Namespace) -> str:
    """One line: the schema is behind, and the command that brings it up to date."""
    path = getattr(args, "db_file", None) or (getattr(args, "db", None)
                                              if args.command == "sandbox" else None)
    upgrade = "suqiu db upgrade" + (f" --db {path}" if path else "")
    return (f"suqiu: 数据库结构不是这一版的（当前 {exc.current or '空'}，需要 {exc.head}），"
            f"请先运行 {upgrade} (the database schema is behind; run {upgrade})")


class CliError(Exception):
    """A problem with what the operator asked for, said in one line."""


def use_db_file(path: str | None, may_create: bool = False) -> None:
    """--db FILE: every part of the command reads the database URL from the environment, so
    the file is named there; a file that does not exist is refused rather than created
    empty (an export from a mistyped path would say 0 rows and look like a success)."""
    if path is None:
        return
    if not may_create and not Path(path).is_file():
        raise CliError(f"找不到数据库文件 {path}")
    os.environ["SUQIU_DATABASE_URL"] = f"sqlite+aiosqlite:///{Path(path).resolve()}"
