"""Telegram update handlers: each parses, calls the service, renders a template."""
