"""Text as Telegram treats it, through PTB and aiogram: HTML and MarkdownV2 parsing with
Telegram's error texts, the entities Telegram finds itself (CJK ends no command or username),
trimming, and lengths counted in characters (issue #19 items 1, 2 and 6)."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.client import SandboxClient
from tests.sandbox.clients import Client, Failure
from tests.sandbox.conftest import drain


async def _refused(tg: Client, chat: int, text: str, **kw: Any) -> Failure:
    with pytest.raises(Failure) as err:
        await tg.call("send_message", chat_id=chat, text=text, **kw)
    assert err.value.code == 400
    return err.value


@pytest.mark.parametrize(("text", "error"), [
    ("温度<20度", "Unclosed start tag at byte offset 6"),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<!-- 备注 --> 通知", 'Unsupported start tag "!--" at byte offset 0'),
    ("<br>换行", 'Unsupported start tag "br" at byte offset 0'),
    ("<b>粗</i>", 'Unmatched end tag at byte offset 6, expected "</b>", found "</i>"'),
    ("多余</b>", "Unexpected end tag at byte offset 6"),
    ("<b>没有结束", "Can't find end tag corresponding to start tag \"b\""),
])
async def test_html_errors_are_telegrams(tg: Client, group: dict[str, int], text: str,
                                         error: str) -> None:
    failure = await _refused(tg, group["chat"], text, parse_mode="HTML")
    assert failure.says(f"Bad Request: can't parse entities: {error}")


async def test_html_decodes_only_what_telegram_decodes(tg: Client,
                                                       group: dict[str, int]) -> None:
    msg = await tg.call("send_message", chat_id=group["chat"], parse_mode="HTML",
                        text="&lt;b&gt; &amp; &quot; &#20013; &#x56FD; &nbsp;&copy;&apos;")
    assert msg["text"] == '<b> & " 中 国 &nbsp;&copy;&apos;'


async def test_html_entities_use_utf16_offsets(tg: Client, group: dict[str, int]) -> None:
    msg = await tg.call(
        "send_message", chat_id=group["chat"], parse_mode="HTML",
        text=f'🚨 <b>#12 路灯</b> <a href="tg://user?id={group["resident"]}">李阿姨</a> '
             '<a href="example.com">链接</a> <pre><code class="language-py">x</code></pre>')
    assert msg["text"] == "🚨 #12 路灯 李阿姨 链接 x"
    kinds = {e["type"]: e for e in msg["entities"]}
    assert kinds["bold"]["offset"] == 3 and kinds["bold"]["length"] == 6
    assert kinds["text_mention"]["user"]["id"] == group["resident"]
    assert kinds["text_link"]["url"] == "http://example.com/"
    assert kinds["pre"]["language"] == "py"
    # "#12" inside the bold is not a hashtag (no letter), so no hashtag entity at all.
    assert "hashtag" not in kinds


async def test_markdown_v2(tg: Client, group: dict[str, int]) -> None:
    msg = await tg.call("send_message", chat_id=group["chat"], parse_mode="MarkdownV2",
                        text=r"*粗* _斜_ __下__ ~删~ ||剧透|| `码` [链接](https://ex.com/a) 1\.5")
    assert msg["text"] == "粗 斜 下 删 剧透 码 链接 1.5"
    assert [e["type"] for e in msg["entities"]] == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "text_link"]
    failure = await _refused(tg, group["chat"], "温度 1.5 度", parse_mode="MarkdownV2")
    assert failure.says("Bad Request: can't parse entities: Character '.' is reserved and "
                        "must be escaped with the preceding '\\'")
    failure = await _refused(tg, group["chat"], "*没有结束", parse_mode="MarkdownV2")
    assert failure.says("Bad Request: can't parse entities: Can't find end of Bold entity "
                        "at byte offset 0")


async def test_unknown_parse_mode(tg: Client, group: dict[str, int]) -> None:
    failure = await _refused(tg, group["chat"], "x", parse_mode="BBCode")
    assert failure.says("Bad Request: unsupported parse_mode")


async def _entities(tg: Client, client: SandboxClient, group: dict[str, int],
                    text: str) -> list[tuple[str, str]]:
    """The entities the bot receives for a resident's text: (type, covered text)."""
    offset = await drain(tg)
    await client.send(group["chat"], group["resident"], text)
    update = (await tg.call("get_updates", offset=offset, timeout=5))[-1]
    msg = update["message"]
    raw = msg["text"].encode("utf-16-le")
    return [(e["type"], raw[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le"))
            for e in msg.get("entities", [])]


@pytest.mark.parametrize(("text", "expected"), [
    ("/report漏水 3栋", []),
    ("/report 漏水", [("bot_command", "/report")]),
    ("/report@suqiu_bot楼道", []),
    ("/report@suqiu_bot 楼道", [("bot_command", "/report@suqiu_bot")]),
    ("@zhang_shifu你好", []),
    ("@zhang_shifu 你好", [("mention", "@zhang_shifu")]),
    ("请@zhang_shifu 看看", []),
    ("见 https://example.com/a. 好", [("url", "https://example.com/a")]),
    ("官网 suqiu.gov.cn 谢谢", [("url", "suqiu.gov.cn")]),
    ("官网 suqiu.gov.cn，谢谢", []),  # a full-width comma is part of the "domain" there
    ("文件 readme.txt 在这", []),
    ("邮箱 wang.wangge@qq.com 联系", [("email", "wang.wangge@qq.com")]),
    ("#投诉#漏水", []),
    ("#投诉 #漏水", [("hashtag", "#投诉"), ("hashtag", "#漏水")]),
    ("#123", []),
])
async def test_entities_found_like_telegram(tg: Client, client: SandboxClient,
                                            group: dict[str, int], text: str,
                                            expected: list[tuple[str, str]]) -> None:
    assert await _entities(tg, client, group, text) == expected


async def test_length_counts_characters_after_trimming(tg: Client,
                                                       group: dict[str, int]) -> None:
    emoji = "😀" * 3000  # 6,000 UTF-16 units, 3,000 characters: Telegram accepts it
    assert (await tg.call("send_message", chat_id=group["chat"], text=emoji))["text"] == emoji
    padded = "\n  " + "长" * 4096 + "  \n"
    assert (await tg.call("send_message", chat_id=group["chat"], text=padded))["text"] == (
        "长" * 4096)
    failure = await _refused(tg, group["chat"], "长" * 4097)
    assert failure.says("Bad Request: message is too long")
    failure = await _refused(tg, group["chat"], " \n ")
    assert failure.says("Bad Request: text must be non-empty")
    with pytest.raises(Failure) as err:
        await tg.call("send_photo", chat_id=group["chat"], photo=tg.file(b"\x89PNG", "a.png"),
                      caption="字" * 1025)
    assert err.value.says("Bad Request: message caption is too long")


async def test_user_text_is_cleaned(tg: Client, client: SandboxClient,
                                    group: dict[str, int]) -> None:
    offset = await drain(tg)
    await client.send(group["chat"], group["resident"], "  路灯\r\n坏了\t \n")
    update = (await tg.call("get_updates", offset=offset, timeout=5))[-1]
    assert update["message"]["text"] == "路灯\n坏了"
