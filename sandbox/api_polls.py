"""sendPoll and stopPoll; votes come from the control API as poll / poll_answer updates."""

from __future__ import annotations

import secrets
import time
from typing import Any

from sandbox.api_base import ApiBase, Params, bool_param, int_param
from sandbox.errors import bad
from sandbox.params import json_value
from sandbox.state import now_ts
from sandbox.text import format_text


class PollMethods(ApiBase):
    def _options(self, params: Params) -> list[dict[str, Any]]:
        raw = json_value(params, "options", "can't parse options JSON object", list,
                         "expected an Array of String as options") or []
        options: list[dict[str, Any]] = []
        for item in raw:
            text = item.get("text") if isinstance(item, dict) else item
            if not isinstance(text, str):
                raise bad("expected an option to be of type String")
            text = text.strip()
            if not text:
                raise bad("poll option must be non-empty")
            if len(text) > 100:
                raise bad("poll options length must not exceed 100")
            options.append({"persistent_id": str(len(options)), "text": text,
                            "voter_count": 0})
        if not options:
            raise bad("poll must have at least one answer option")
        if len(options) > 12:
            raise bad("poll can't have more than 12 options")
        return options

    async def m_sendPoll(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        question, q_entities = format_text(str(params.get("question") or ""),
                                           params.get("question_parse_mode"),
                                           params.get("question_entities"), self.state.users)
        if len(question) > 300:
            raise bad("poll question length must not exceed 300")
        options = self._options(params)
        kind = str(params.get("type") or "regular")
        if kind not in ("regular", "quiz"):
            raise bad("unsupported poll type specified")
        poll: dict[str, Any] = {
            "id": str(secrets.randbits(62)), "question": question, "options": options,
            "total_voter_count": 0, "is_closed": bool_param(params, "is_closed"),
            "is_anonymous": bool_param(params, "is_anonymous")
            if "is_anonymous" in params else True,
            "type": kind,
            "allows_multiple_answers": bool_param(params, "allows_multiple_answers"),
            "allows_revoting": bool_param(params, "allows_revoting")
            if "allows_revoting" in params else kind != "quiz",
            "members_only": False,
        }
        if q_entities:
            poll["question_entities"] = q_entities
        if kind == "quiz":
            correct = int_param(params, "correct_option_id", -1)
            if not 0 <= correct < len(options):
                raise bad("correct quiz option list must be non-empty")
            poll["correct_option_id"] = correct
            poll["allows_multiple_answers"] = False
        period = max(0, min(2628000, int_param(params, "open_period")))
        close_date = int_param(params, "close_date")
        if period:
            poll["open_period"], poll["close_date"] = period, now_ts() + period
        elif close_date:
            poll["open_period"], poll["close_date"] = max(1, close_date - now_ts()), close_date
        msg = self.post(chat, params, {"poll": poll})
        self.state.polls[poll["id"]] = {"chat": chat.id, "message_id": msg["message_id"],
                                        "votes": {}}
        if "close_date" in poll and not poll["is_closed"]:
            self.state.close_poll_later(poll, poll["close_date"] - time.time())
        return await self.answer(msg)

    async def m_stopPoll(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        msg = chat.messages.get(int_param(params, "message_id"))
        if msg is None or "poll" not in msg:
            raise bad("message with poll to stop not found")
        if msg["from"]["id"] != self.state.bot_id:
            raise bad("poll can't be stopped")
        poll = msg["poll"]
        if poll["is_closed"]:
            raise bad("poll has already been closed")
        fields = self.markup(params)
        msg.pop("reply_markup", None)
        msg.update(fields)
        self.state.close_poll(poll)
        await self.state.notify()
        return dict(poll)
