"""Everything that touches Telegram: handlers, commands, buttons, templates, jobs, runners."""
