"""A local stand-in for the Telegram Bot API, with a chat page, for demos and tests."""
