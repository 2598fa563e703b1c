"""Settings layering: defaults, SUQIU_CONFIG file, environment; secrets kept out of repr."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.settings import bot_settings
from issues.settings import SettingsError, load_settings, parse_duration


def test_defaults_give_shanghai_time_and_sqlite() -> None:
    s = load_settings(env={})
    assert s.timezone == "Asia/Shanghai"
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.digest_time == time(20, 0)
    assert s.sla_for("gas").ack == timedelta(minutes=10)


def test_config_file_then_environment_override(tmp_path: Path) -> None:
    extra = tmp_path / "site.yaml"
    extra.write_text("timezone: Asia/Urumqi\nsla:\n  default: {ack: 30s, resolve: 2m}\n")
    env = {"SUQIU_CONFIG": str(extra), "SUQIU_DATABASE_URL": "postgresql+asyncpg://x/y"}
    s = load_settings(env=env)
    assert s.timezone == "Asia/Urumqi"
    assert s.sla_for("noise_of_unknown_kind").resolve == timedelta(minutes=2)
    assert s.database_url == "postgresql+asyncpg://x/y"
    # Layering merges: keys the site file does not name keep their defaults.
    assert s.sla_for("gas").ack == timedelta(minutes=10)


def test_urgent_takes_the_tighter_sla() -> None:
    s = load_settings(env={})
    slow = s.sla_for("illegal_build")
    fast = s.sla_for("illegal_build", urgent=True)
    assert fast.ack < slow.ack and fast.resolve < slow.resolve


def test_secrets_never_in_repr() -> None:
    env = {"TELEGRAM_BOT_TOKEN": "123:SECRET-TOKEN", "SUQIU_WEBHOOK_SECRET": "hush",
           "SUQIU_DASHBOARD_TOKEN": "dash-secret"}
    s = load_settings(env=env)
    tg = bot_settings(s)
    assert tg.token == "123:SECRET-TOKEN" and tg.webhook_secret == "hush"
    text = repr(s) + repr(tg)
    assert "SECRET-TOKEN" not in text and "hush" not in text and "dash-secret" not in text


def test_telegram_settings_are_the_bots() -> None:
    """The domain's settings name nothing of Telegram; bot/ reads its own from the layers."""
    import dataclasses

    from issues.settings import Settings

    names = {f.name for f in dataclasses.fields(Settings)}
    assert not {n for n in names if n.startswith(("bot_", "webhook", "api_", "poll"))}
    tg = bot_settings(load_settings(overrides={"bot": {"poll_timeout": 2, "admin_chat": -9}},
                                    env={"SUQIU_TELEGRAM_API_URL": "http://127.0.0.1:1/bot"}))
    assert (tg.poll_timeout, tg.admin_chat_id, tg.api_base_url) == (
        2, -9, "http://127.0.0.1:1/bot")


@pytest.mark.parametrize("raw,seconds", [("30s", 30), ("10m", 600), ("4h", 14400),
                                         ("3d", 259200), (5, 5), ("1.5", 1.5)])
def test_durations(raw: object, seconds: float) -> None:
    assert parse_duration(raw).total_seconds() == seconds


def test_bad_values_are_refused_with_the_value_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schedule:\n  digest_time: '25:99'\n")
    with pytest.raises(SettingsError, match="25:99"):
        load_settings(env={"SUQIU_CONFIG": str(bad)})
    with pytest.raises(SettingsError, match="soon"):
        parse_duration("soon")
