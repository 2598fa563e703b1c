"""How updates reach the handlers: polling (getUpdates → inbox → per-chat workers) or a
webhook, and the runner that starts and stops either inside one event loop."""
