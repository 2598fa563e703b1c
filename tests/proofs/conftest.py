"""End-to-end fixtures shared with the bot tests."""

from tests.bot.conftest import harness  # noqa: F401 - re-exported fixture
