"""Everything that touches Telegram: app (every handler), handlers, present, jobs, serve, cli."""
