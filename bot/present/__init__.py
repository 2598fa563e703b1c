"""What the bot shows: the issue card and its buttons, posts, announcements after a change,
message templates (config/templates/) and HTML helpers."""
