"""How updates reach the handlers, one path for polling and webhook: PTB's Updater or the
webhook endpoint → the durable update queue (stored before Telegram is answered) → PTB's
Application with a per-chat ordered processor; and the runner that starts and stops either
inside one event loop."""
