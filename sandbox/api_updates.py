"""getMe and the update channel: long polling (one poller at a time), webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from sandbox.api_base import ApiBase, Params, bool_param, int_param
from sandbox.errors import ApiError, bad
from sandbox.params import loose_json
from sandbox.state import DEFAULT_UPDATES, UPDATE_TYPES, Webhook

CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first")
CONFLICT_POLL = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
                 "instance is running")
CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"


def allowed_updates(value: Any) -> frozenset[str] | None:
    """Telegram's reading of allowed_updates: None keeps the previous choice; a list without
    a known type means the default set."""
    value = loose_json(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    chosen = frozenset(v.lower() for v in value) & frozenset(UPDATE_TYPES)
    return chosen or DEFAULT_UPDATES


class UpdateMethods(ApiBase):
    webhook_wakeup: asyncio.Event

    async def m_getMe(self, params: Params) -> dict[str, Any]:
        return {**self.state.bot_user, "can_join_groups": True,
                "can_read_all_group_messages": self.state.can_read_all,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _remember_allowed(self, params: Params) -> None:
        chosen = allowed_updates(params.get("allowed_updates"))
        if chosen is not None:
            self.state.allowed_updates = chosen

    async def m_getUpdates(self, params: Params) -> list[dict[str, Any]]:
        st = self.state
        if st.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        self._remember_allowed(params)
        offset = int_param(params, "offset")
        limit = max(1, min(100, int_param(params, "limit", 100)))
        timeout = max(0, min(50, int_param(params, "timeout")))
        if offset < 0:  # keep only the last -offset updates
            st.updates = st.updates[offset:]
        elif offset > 0:  # confirms everything before it
            st.updates = [u for u in st.updates if u["update_id"] >= offset]
        if st.updates or timeout == 0:
            return st.updates[:limit]
        # A new long poll ends the one before it, as on Telegram.
        st.poll_generation += 1
        st.poll_abort = CONFLICT_POLL
        mine = st.poll_generation
        await st.notify()
        deadline = time.monotonic() + timeout
        async with st.changed:
            while True:
                if st.poll_generation != mine:
                    raise ApiError(409, st.poll_abort)
                if offset > 0:
                    st.updates = [u for u in st.updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if st.updates or remaining <= 0 or st.closing:
                    return st.updates[:limit]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(st.changed.wait(), remaining)

    async def m_setWebhook(self, params: Params) -> bool:
        url = str(params.get("url") or "")
        st = self.state
        if not url:
            return await self.m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if bool_param(params, "drop_pending_updates"):
            st.updates.clear()
        self._remember_allowed(params)
        st.webhook = Webhook(url, params.get("secret_token") or None,
                             int_param(params, "max_connections", 40))
        st.poll_generation += 1
        st.poll_abort = CONFLICT_SET_WEBHOOK
        self.webhook_wakeup.set()
        await st.notify()
        return True

    async def m_deleteWebhook(self, params: Params) -> bool:
        self.state.webhook = None
        if bool_param(params, "drop_pending_updates"):
            self.state.updates.clear()
        await self.state.notify()
        return True

    async def m_getWebhookInfo(self, params: Params) -> dict[str, Any]:
        st = self.state
        info: dict[str, Any] = {"url": st.webhook.url if st.webhook else "",
                                "has_custom_certificate": False,
                                "pending_update_count": len(st.updates)}
        if st.webhook:
            info["max_connections"] = st.webhook.max_connections
            if st.webhook.last_error_date:
                info["last_error_date"] = st.webhook.last_error_date
                info["last_error_message"] = st.webhook.last_error_message
            if st.allowed_updates != DEFAULT_UPDATES:
                info["allowed_updates"] = sorted(st.allowed_updates)
        return info

    async def m_close(self, params: Params) -> bool:
        return True

    async def m_logOut(self, params: Params) -> bool:
        return True
