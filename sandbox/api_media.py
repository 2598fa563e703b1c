"""Photos, documents, albums and files: uploads (multipart, `attach://`), file ids, getFile."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from sandbox.api_base import ApiBase, Params, int_param
from sandbox.errors import bad
from sandbox.messages import new_message, photo_sizes
from sandbox.params import json_value


def upload(params: Params, value: Any) -> dict[str, Any] | str | None:
    """A file as sent: an uploaded part (also through "attach://<name>") or a file_id."""
    if isinstance(value, dict) and "_upload" in value:
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        part = params.get(value[len("attach://"):])
        return part if isinstance(part, dict) and "_upload" in part else None
    if isinstance(value, str) and value:
        return value
    return None


class MediaMethods(ApiBase):
    def _photo(self, params: Params, value: Any) -> list[dict[str, Any]]:
        sent = upload(params, value)
        if isinstance(sent, dict):
            return photo_sizes(self.state, sent["_upload"], sent.get("mime") or "image/jpeg")
        if isinstance(sent, str) and sent in self.state.files:
            data, mime, _ = self.state.files[sent]
            sizes = photo_sizes(self.state, data, mime)
            sizes[-1]["file_id"] = sent
            return sizes
        if sent is None:
            raise bad("there is no photo in the request")
        raise bad("wrong file identifier/HTTP URL specified")

    def _document(self, params: Params, value: Any) -> dict[str, Any]:
        sent = upload(params, value)
        if isinstance(sent, dict):
            name = str(sent.get("filename") or "file")
            mime = sent.get("mime") or "application/octet-stream"
            file_id, _ = self.state.new_file(sent["_upload"], mime, "documents",
                                             name.rsplit(".", 1)[-1] if "." in name else "bin")
            return {"file_name": name, "mime_type": mime, "file_id": file_id,
                    "file_unique_id": file_id[-12:], "file_size": len(sent["_upload"])}
        if isinstance(sent, str) and sent in self.state.files:
            data, mime, path = self.state.files[sent]
            return {"file_name": path.rsplit("/", 1)[-1], "mime_type": mime, "file_id": sent,
                    "file_unique_id": sent[-12:], "file_size": len(data)}
        if sent is None:
            raise bad("there is no document in the request")
        raise bad("wrong file identifier/HTTP URL specified")

    async def m_sendPhoto(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        fields = {"photo": self._photo(params, params.get("photo")),
                  **self.text(params, "caption")}
        return await self.answer(self.post(chat, params, fields))

    async def m_sendDocument(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        fields = {"document": self._document(params, params.get("document")),
                  **self.text(params, "caption")}
        return await self.answer(self.post(chat, params, fields))

    async def m_sendMediaGroup(self, params: Params) -> list[dict[str, Any]]:
        chat = self.chat(params)
        media = json_value(params, "media", "can't parse media JSON object", list,
                           "expected an Array of InputMedia") or []
        if not 2 <= len(media) <= 10:
            raise bad("wrong number of messages in the album: must be between 2 and 10")
        kinds = {m.get("type") if isinstance(m, dict) else None for m in media}
        if not kinds <= {"photo", "document"} or len(kinds) != 1:
            raise bad("can't use the media of the specified type in the album")
        items = []
        for item in media:
            caption = self.text({**item}, "caption")
            if item["type"] == "photo":
                items.append({"photo": self._photo(params, item.get("media")), **caption})
            else:
                items.append({"document": self._document(params, item.get("media")), **caption})
        reply = self.reply_to(chat, params)
        thread = self.thread(chat, params)
        group_id = str(secrets.randbits(60))
        self.flood_check(chat)
        sent = [new_message(self.state, chat, self.state.bot_user,
                            {"media_group_id": group_id, **fields}, reply, thread)
                for fields in items]
        return [await self.answer(m) for m in sent]

    async def m_getFile(self, params: Params) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if not file_id:
            raise bad("file_id not specified")
        if file_id not in self.state.files:
            raise bad("invalid file_id")
        data, _, path = self.state.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(data),
                "file_path": path}

    async def m_getUserProfilePhotos(self, params: Params) -> dict[str, Any]:
        uid = int_param(params, "user_id")
        if uid not in self.state.users:
            raise bad("user not found")
        return {"total_count": 0, "photos": []}

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
