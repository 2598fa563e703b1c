"""Bot API methods on Telegram's paths, answering as the real server does.

The methods live in mixins by subject (api_updates, api_messages, api_media, api_chats,
api_polls); this module reads requests, dispatches by case-insensitive name, injects faults and
writes Telegram's answers (`{"ok": false, "error_code", "description", "parameters"}`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.api_base import Params
from sandbox.api_chats import ChatMethods
from sandbox.api_media import MediaMethods
from sandbox.api_messages import MessageMethods
from sandbox.api_polls import PollMethods
from sandbox.api_updates import UpdateMethods
from sandbox.errors import ApiError, too_many
from sandbox.state import FloodControl, SandboxState

Method = Callable[[Any, Params], Awaitable[Any]]
NOT_FOUND = ApiError(404, "Not Found: method not found")


class BadBody(Exception):
    """A body Telegram's HTTP reader refuses: answered 400 with an empty body."""


async def read_params(request: web.Request) -> Params:
    """Query string, then form, multipart or JSON body; values stay as sent (strings in
    forms, JSON values in JSON bodies), each method reads them as Telegram does."""
    params: Params = dict(request.query)
    if not request.can_read_body:
        return params
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise BadBody from None
        if not isinstance(body, dict):
            raise BadBody
        params.update(body)
    elif ctype == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data = await part.read()
                params[part.name] = {"_upload": bytes(data), "filename": part.filename,
                                     "mime": part.headers.get("Content-Type", "")}
            else:
                params[part.name] = await part.text()
    else:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


class BotApi(UpdateMethods, MessageMethods, MediaMethods, ChatMethods, PollMethods):
    def __init__(self, state: SandboxState, flood: FloodControl | None) -> None:
        super().__init__(state, flood)
        self.methods: dict[str, Method] = {
            name[len("m_"):].lower(): getattr(type(self), name) for name in dir(type(self))
            if name.startswith("m_")
        }
        self.names = {name[len("m_"):].lower(): name[len("m_"):] for name in dir(type(self))
                      if name.startswith("m_")}
        self.webhook_wakeup = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        st = self.state
        if token != st.token:
            return _error(ApiError(401, "Unauthorized"))
        canonical = self.names.get(method.lower(), method)
        st.call_counts[canonical] = st.call_counts.get(canonical, 0) + 1
        entry: dict[str, Any] = {"method": canonical, "at": time.time()}
        st.calls.append(entry)
        try:
            params = await read_params(request)
        except BadBody:
            entry.update(ok=False, error_code=400, description="")
            return web.Response(status=400)
        entry["params"] = {k: ("<file>" if isinstance(v, dict) and "_upload" in v else v)
                           for k, v in params.items()}
        try:
            result = await self.call(method, params, faults=True)
        except ApiError as exc:
            entry.update(ok=False, error_code=exc.code, description=exc.description)
            if exc.code == 429:
                st.sent_429 += 1
            return _error(exc)
        entry["ok"] = True
        return web.json_response({"ok": True, "result": result})

    async def call(self, method: str, params: Params, faults: bool = False) -> Any:
        """Run one method by name; raises ApiError as the HTTP answer would carry it."""
        func = self.methods.get(method.lower())
        if func is None:
            raise NOT_FOUND
        if faults:
            await self._faults(self.names[method.lower()])
        return await func(self, params)

    async def _faults(self, method: str) -> None:
        f = self.state.faults
        if not f.applies(method):
            return
        lo, hi = f.latency_ms
        if hi > 0:
            await asyncio.sleep(f.rng.uniform(lo, hi) / 1000)
        if f.error_rate > 0 and f.rng.random() < f.error_rate:
            code = f.rng.choice(f.codes)
            if code == 429:
                raise too_many(f.retry_after)
            raise ApiError(code, "Internal Server Error" if code >= 500 else "Bad Request")


def _error(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return web.json_response(body, status=exc.code)
