"""Bot API methods on Telegram's paths, answering as the real server does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.entities import EntityParseError, parse_html, utf16_len
from sandbox.messages import new_message, photo_sizes, strip_reply, text_fields
from sandbox.state import UPDATE_TYPES, Chat, FloodControl, SandboxState, Webhook

JSON_PARAMS = {
    "reply_markup", "reply_parameters", "entities", "caption_entities", "allowed_updates",
    "link_preview_options", "commands", "scope", "media",
}
INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id",
              "reply_to_message_id", "max_connections", "cache_time"}
BOOL_PARAMS = {"drop_pending_updates", "show_alert", "disable_notification",
               "allow_sending_without_reply", "protect_content", "disable_web_page_preview"}
SENDING = {"sendMessage", "sendPhoto"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


Params = dict[str, Any]
Method = Callable[["BotApi", Params], Awaitable[Any]]


async def read_params(request: web.Request) -> Params:
    """PTB sends form-encoded or multipart bodies; JSON values arrive as strings."""
    params: Params = dict(request.query)
    ctype = request.content_type
    if request.can_read_body:
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.name is None:
                    continue
                if part.filename is not None:  # type: ignore[union-attr]
                    data = await part.read()  # type: ignore[union-attr]
                    params[part.name] = {"_upload": bytes(data),
                                         "filename": part.filename,  # type: ignore[union-attr]
                                         "mime": part.headers.get("Content-Type", "")}
                else:
                    params[part.name] = await part.text()  # type: ignore[union-attr]
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key, value in list(params.items()):
        if not isinstance(value, str):
            continue
        try:
            if key in JSON_PARAMS:
                params[key] = json.loads(value)
            elif key in INT_PARAMS:
                params[key] = int(value)
            elif key in BOOL_PARAMS:
                params[key] = value.lower() in ("true", "1")
        except (ValueError, json.JSONDecodeError) as exc:
            raise bad(f"can't parse {key}: {exc}") from exc
    return params


class BotApi:
    def __init__(self, state: SandboxState, flood: FloodControl | None) -> None:
        self.state = state
        self.flood = flood
        self.methods: dict[str, Method] = {
            name[len("m_"):]: getattr(type(self), name) for name in dir(type(self))
            if name.startswith("m_")
        }
        self.webhook_task: asyncio.Task[None] | None = None
        self.webhook_wakeup = asyncio.Event()

    # --- plumbing ---------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        st = self.state
        if token != st.token:
            return _error(ApiError(401, "Unauthorized"))
        canonical = next((m for m in self.methods if m.lower() == method.lower()), method)
        st.call_counts[canonical] = st.call_counts.get(canonical, 0) + 1
        entry: dict[str, Any] = {"method": canonical, "at": time.time()}
        st.calls.append(entry)
        try:
            params = await read_params(request)
            entry["params"] = {k: ("<file>" if isinstance(v, dict) and "_upload" in v else v)
                               for k, v in params.items()}
            await self._faults(canonical)
            func = self.methods.get(canonical)
            if func is None:
                raise bad(f"method not implemented in sandbox: {method}")
            result = await func(self, params)
        except ApiError as exc:
            entry.update(ok=False, error_code=exc.code, description=exc.description)
            if exc.code == 429:
                st.sent_429 += 1
            return _error(exc)
        entry["ok"] = True
        return web.json_response({"ok": True, "result": result})

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
                raise ApiError(429, f"Too Many Requests: retry after {f.retry_after}",
                               {"retry_after": f.retry_after})
            raise ApiError(code, "Internal Server Error" if code >= 500 else "Bad Request")

    def chat(self, params: Params, *, member: bool = True) -> Chat:
        try:
            chat = self.state.chats[int(params.get("chat_id"))]  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            raise bad("chat not found") from None
        if member and chat.members.get(self.state.bot_id) not in (
            "member", "administrator", "creator"
        ):
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat

    def _flood(self, chat: Chat) -> None:
        if self.flood is None:
            return
        retry = self.flood.check(chat.id, time.monotonic())
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}",
                           {"retry_after": retry})

    def _text(self, params: Params, key: str, limit: int) -> dict[str, Any]:
        raw = params.get(key)
        if raw is None or raw == "":
            if key == "caption":
                return {}
            raise bad("message text is empty")
        raw = str(raw)
        mode = (params.get("parse_mode") or "").upper()
        ents_key = "entities" if key == "text" else "caption_entities"
        if mode == "HTML":
            try:
                text, ents = parse_html(raw, self.state.users)
            except EntityParseError as exc:
                raise ApiError(400, str(exc)) from None
        elif mode in ("", "NONE"):
            text, ents = raw, list(params.get(ents_key) or [])
        else:
            raise bad(f"unsupported parse_mode in sandbox: {params.get('parse_mode')}")
        if not text.strip():
            raise bad("message text is empty")
        if utf16_len(text) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        return text_fields(text, ents, key)

    def _markup(self, params: Params) -> dict[str, Any]:
        markup = params.get("reply_markup")
        if not markup:
            return {}
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
        if "inline_keyboard" in markup:
            return {"reply_markup": {"inline_keyboard": markup["inline_keyboard"]}}
        return {}

    def _reply_to(self, chat: Chat, params: Params) -> int | None:
        rp = params.get("reply_parameters") or {}
        mid = rp.get("message_id") if rp else params.get("reply_to_message_id")
        if mid is None:
            return None
        mid = int(mid)
        allow = rp.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
        if mid not in chat.messages:
            if allow:
                return None
            raise bad("message to be replied not found")
        return mid

    async def _deliver_own(self, chat: Chat, msg: dict[str, Any]) -> dict[str, Any]:
        await self.state.notify()
        return strip_reply(msg) | ({"reply_to_message": msg["reply_to_message"]}
                                   if "reply_to_message" in msg else {})

    def _editable(self, params: Params) -> tuple[Chat, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise bad("inline messages are not supported in sandbox")
        chat = self.chat(params, member=False)
        msg = chat.messages.get(int(params.get("message_id") or 0))
        if msg is None:
            raise bad("message to edit not found")
        if msg.get("from", {}).get("id") != self.state.bot_id:
            raise bad("message can't be edited")
        return chat, msg

    # --- identity and updates ---------------------------------------------------------------
    async def m_getMe(self, params: Params) -> dict[str, Any]:
        return {**self.state.bot_user, "can_join_groups": True,
                "can_read_all_group_messages": self.state.can_read_all,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def m_getUpdates(self, params: Params) -> list[dict[str, Any]]:
        st = self.state
        if st.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            st.allowed_updates = [a for a in allowed if a in UPDATE_TYPES] or None
        offset = int(params.get("offset") or 0)
        if offset:
            st.updates = [u for u in st.updates if u["update_id"] >= offset]
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0, min(50, int(params.get("timeout") or 0)))
        deadline = time.monotonic() + timeout
        async with st.changed:
            while True:
                ready = [u for u in st.updates if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or st.webhook is not None:
                    return ready
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(st.changed.wait(), remaining)

    async def m_setWebhook(self, params: Params) -> bool:
        url = str(params.get("url") or "")
        st = self.state
        if not url:
            st.webhook = None
            return True
        if not url.startswith(("http://", "https://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            st.updates.clear()
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            st.allowed_updates = [a for a in allowed if a in UPDATE_TYPES] or None
        st.webhook = Webhook(url, params.get("secret_token") or None,
                             int(params.get("max_connections") or 40))
        self.webhook_wakeup.set()
        await st.notify()
        return True

    async def m_deleteWebhook(self, params: Params) -> bool:
        self.state.webhook = None
        if params.get("drop_pending_updates"):
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
            if st.allowed_updates:
                info["allowed_updates"] = st.allowed_updates
        return info

    # --- messages ---------------------------------------------------------------------------
    async def m_sendMessage(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        fields = self._text(params, "text", 4096)
        fields.update(self._markup(params))
        reply = self._reply_to(chat, params)
        lpo = params.get("link_preview_options")
        if lpo:
            fields["link_preview_options"] = lpo
        self._flood(chat)
        msg = new_message(self.state, chat, self.state.bot_user, fields, reply)
        return await self._deliver_own(chat, msg)

    async def m_sendPhoto(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        photo = params.get("photo")
        if isinstance(photo, dict) and "_upload" in photo:
            mime = photo.get("mime") or "image/jpeg"
            sizes = photo_sizes(self.state, photo["_upload"], mime)
        elif isinstance(photo, str) and photo in self.state.files:
            data, mime, _ = self.state.files[photo]
            sizes = photo_sizes(self.state, data, mime)
            sizes[0]["file_id"] = photo
        else:
            raise bad("wrong file identifier/HTTP URL specified")
        fields: dict[str, Any] = {"photo": sizes}
        fields.update(self._text(params, "caption", 1024))
        fields.update(self._markup(params))
        reply = self._reply_to(chat, params)
        self._flood(chat)
        msg = new_message(self.state, chat, self.state.bot_user, fields, reply)
        return await self._deliver_own(chat, msg)

    async def m_editMessageText(self, params: Params) -> dict[str, Any]:
        chat, msg = self._editable(params)
        fields = self._text(params, "text", 4096)
        fields.update(self._markup(params))
        same_markup = fields.get("reply_markup") == msg.get("reply_markup")
        if (fields["text"] == msg.get("text") and fields.get("entities") == msg.get("entities")
                and same_markup):
            raise bad("message is not modified: specified new message content and reply "
                      "markup are exactly the same as a current content and reply markup of "
                      "the message")
        msg.pop("entities", None)
        if "reply_markup" not in fields:
            msg.pop("reply_markup", None)
        msg.update(fields)
        msg["edit_date"] = int(time.time())
        self.state.bump(msg)
        return await self._deliver_own(chat, msg)

    async def m_editMessageReplyMarkup(self, params: Params) -> dict[str, Any]:
        chat, msg = self._editable(params)
        fields = self._markup(params)
        if fields.get("reply_markup") == msg.get("reply_markup"):
            raise bad("message is not modified: specified new message content and reply "
                      "markup are exactly the same as a current content and reply markup of "
                      "the message")
        msg.pop("reply_markup", None)
        msg.update(fields)
        msg["edit_date"] = int(time.time())
        self.state.bump(msg)
        return await self._deliver_own(chat, msg)

    async def m_deleteMessage(self, params: Params) -> bool:
        chat = self.chat(params, member=False)
        mid = int(params.get("message_id") or 0)
        msg = chat.messages.get(mid)
        if msg is None:
            raise bad("message to delete not found")
        if msg["from"]["id"] != self.state.bot_id and not self.state.is_admin(
            chat, self.state.bot_id
        ):
            raise bad("message can't be deleted")
        del chat.messages[mid]
        self.state.seq += 1
        chat.deleted.append((self.state.seq, mid))
        await self.state.notify()
        return True

    async def m_answerCallbackQuery(self, params: Params) -> bool:
        cq = self.state.callbacks.get(str(params.get("callback_query_id")))
        if cq is None:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        if cq["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        cq.update(answered=True, text=params.get("text"),
                  show_alert=bool(params.get("show_alert")))
        await self.state.notify()
        return True

    async def m_sendChatAction(self, params: Params) -> bool:
        self.chat(params)
        return True

    # --- chats ------------------------------------------------------------------------------
    async def m_getChat(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params, member=False)
        return {**chat.as_api(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    async def m_getChatAdministrators(self, params: Params) -> list[dict[str, Any]]:
        chat = self.chat(params, member=False)
        return [self.state.member_api(chat, uid) for uid, status in chat.members.items()
                if status in ("creator", "administrator")]

    async def m_getChatMember(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params, member=False)
        uid = int(params.get("user_id") or 0)
        if uid not in self.state.users:
            raise bad("user not found")
        return self.state.member_api(chat, uid)

    async def m_getChatMemberCount(self, params: Params) -> int:
        chat = self.chat(params, member=False)
        return sum(1 for s in chat.members.values() if s in ("member", "administrator",
                                                               "creator"))

    # --- files ------------------------------------------------------------------------------
    async def m_getFile(self, params: Params) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.state.files:
            raise bad("invalid file_id")
        data, _, path = self.state.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(data),
                "file_path": path}

    # --- commands ---------------------------------------------------------------------------
    @staticmethod
    def _scope_key(params: Params) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True) + "|" + str(params.get("language_code") or "")

    async def m_setMyCommands(self, params: Params) -> bool:
        commands = params.get("commands") or []
        for c in commands:
            if not 1 <= len(c.get("command", "")) <= 32 or not 1 <= len(
                c.get("description", "")
            ) <= 256:
                raise bad("BOT_COMMAND_INVALID")
        self.state.commands[self._scope_key(params)] = commands
        return True

    async def m_getMyCommands(self, params: Params) -> list[dict[str, Any]]:
        return self.state.commands.get(self._scope_key(params), [])

    async def m_deleteMyCommands(self, params: Params) -> bool:
        self.state.commands.pop(self._scope_key(params), None)
        return True

    async def m_close(self, params: Params) -> bool:
        return True

    async def m_logOut(self, params: Params) -> bool:
        return True

    # --- downloads --------------------------------------------------------------------------
    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.state.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        path = request.match_info["path"]
        for data, mime, fpath in self.state.files.values():
            if fpath == path:
                return web.Response(body=data, content_type=mime)
        return web.json_response({"ok": False, "error_code": 404,
                                  "description": "Not Found"}, status=404)


def _error(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return web.json_response(body, status=exc.code)
