"""URL and e-mail detection as Telegram does it (TDLib's `match_urls`, `fix_url`,
`is_email_address`), reimplemented for the sandbox.

A bare domain (`example.com`) is a link only when its top-level domain is a known one; with
`http://` any TLD goes. Trailing `.` `,` `:` `;` `?` `!` and unbalanced brackets are not part of
a URL. Telegram knows every IANA TLD; the sandbox knows the generic ones below and every
two-letter country code, which covers what residents paste.
"""

from __future__ import annotations

import unicodedata


def _words(text: str) -> list[str]:
    return text.split()


_GENERIC_TLDS = frozenset(_words("""
com net org edu gov mil int info biz name pro mobi asia tel travel jobs museum aero coop cat post
app dev io ai co me tv cc xyz top vip shop site online store tech club live life world news blog
wiki link click top work ink fun art design cloud email group team today zone page space website
red ltd plus chat city law bank games video music tech xin wang ren hk mo tw
""")) | {"中国", "公司", "网络", "在线", "中文网", "信息", "网址", "商城", "手机", "集团"}

_COUNTRY_TLDS = frozenset(_words("""
ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt
bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er
es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht
hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr
ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng
ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd
se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw
tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw
"""))

TLDS = _GENERIC_TLDS | _COUNTRY_TLDS
_BAD_PATH_END = ".:;,('?!`"


def _separator(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "Z"


def _url_unicode(ch: str) -> bool:
    code = ord(ch)
    if 0x2000 <= code <= 0x206F:
        return code in (0x200C, 0x200D) or 0x2010 <= code <= 0x2015
    return not _separator(ch)


def _path_symbol(ch: str) -> bool:
    return ch not in '\n<>"«»' and _url_unicode(ch)


def _user_data_symbol(ch: str) -> bool:
    return ch not in "\n/[]{}()'`<>\"@«»" and _url_unicode(ch)


def _domain_symbol(ch: str) -> bool:
    if ord(ch) < 0xC0:
        return ch in ".~_-" or (ch.isascii() and ch.isalnum())
    return _url_unicode(ch)


def _protocol_symbol(ch: str) -> bool:
    if ord(ch) < 0x80:
        return ch.isalnum() or ch in "+-"
    return not _separator(ch)


def _word(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch == "_" or cat[0] in "LN"


def _match_urls(text: str) -> list[tuple[int, int]]:
    """Candidate spans around every dot (code-point indices)."""
    found: list[tuple[int, int]] = []
    n = len(text)
    begin = 0
    while True:
        dot = text.find(".", begin)
        if dot == -1 or dot + 1 == n:
            break
        if text[dot + 1] == " ":
            begin = dot + 2
            continue
        start = dot
        while start > begin and _domain_symbol(text[start - 1]):
            start -= 1
        last_at = None
        end = dot
        while end < n and (text[end] == "@" or _domain_symbol(text[end])):
            if text[end] == "@":
                last_at = end
            end += 1
        if last_at is not None:
            while start > begin and _user_data_symbol(text[start - 1]):
                start -= 1
        if end < n and text[end] == ":":
            port_end = end + 1
            while port_end < n and "0" <= text[port_end] <= "9":
                port_end += 1
            digits = text[end + 1:port_end].lstrip("0")
            if digits and len(digits) <= 5 and int(digits) <= 65535:
                end = port_end
        if end < n and text[end] in "/?#":
            path_end = end + 1
            while path_end < n and _path_symbol(text[path_end]):
                path_end += 1
            while path_end > end + 1 and text[path_end - 1] in _BAD_PATH_END:
                path_end -= 1
            if text[end] == "/" or path_end > end + 1:
                end = path_end
        while end > dot + 1 and text[end - 1] == ".":
            end -= 1
        bad = False
        if start != begin and text[start - 1] == "@":
            if last_at is not None:
                bad = True
            user_start = start - 1
            while user_start > begin and _user_data_symbol(text[user_start - 1]):
                user_start -= 1
            if user_start == start - 1:
                bad = True
            start = user_start
        if start != begin:
            prefix = text[begin:start]
            if len(prefix.encode()) >= 6 and prefix.endswith("://"):
                proto_start = start - 3
                while proto_start > begin and _protocol_symbol(text[proto_start - 1]):
                    proto_start -= 1
                protocol = text[proto_start:start - 3].lower()
                if protocol.endswith("http") and protocol != "shttp":
                    start -= 7
                elif protocol.endswith("https"):
                    start -= 8
                elif protocol.endswith("ftp") and protocol not in ("tftp", "sftp"):
                    start -= 6
                else:
                    bad = True
            elif _word(prefix[-1]) or prefix[-1] in "/#@":
                bad = True
        if not bad:
            if end > dot + 1:
                found.append((start, end))
            while end < n and text[end] == ".":
                end += 1
        else:
            while end > 0 and text[end - 1] != ".":
                end -= 1
        begin = max(end, dot + 1)
    return found


def is_email(s: str) -> bool:
    user, at, domain = s.partition("@")
    if not at or not domain:
        return False
    parts = user.replace("+", ".").split(".")
    if len(parts) >= 12 or any(len(p) >= 27 for p in parts[:-1]):
        return False
    if not 0 < len(parts[-1]) < 36:
        return False
    if not all(c.isascii() and (c.isalnum() or c in "_-") for c in user.replace("+", "").replace(
            ".", "")):
        return False
    labels = domain.split(".")
    if not 1 < len(labels) <= 7:
        return False
    tld = labels.pop()
    if not (1 < len(tld) < 9 and tld.isascii() and tld.isalpha()):
        return False
    return all(0 < len(p) < 31 and p.isascii() and all(c.isalnum() or c in "_-" for c in p)
               and p[0].isalnum() and p[-1].isalnum() for p in labels)


def _known_tld(tld: str) -> bool:
    lower = tld.lower()
    if lower != tld and lower[1:] == tld[1:]:  # only the first letter upper-case: no link
        return False
    return lower in TLDS


def _fix_url(url: str) -> str:
    """The URL Telegram keeps of a candidate, or "" when it is no URL."""
    full = url
    rest = url
    has_protocol = rest[:10].lower().startswith(("http://", "https://", "ftp://", "tonsite://"))
    if has_protocol:
        rest = rest[rest.find(":") + 3:]
    cut = min([len(rest)] + [i for i in (rest.find(c) for c in "/?#") if i != -1])
    domain, path = rest[:cut], rest[cut:]
    domain = domain[domain.find("@") + 1:]
    if ":" in domain:
        domain = domain[:domain.rfind(":")]
    if domain.lower() == "teiegram.org":
        return ""
    depth = {"(": 0, "[": 0, "{": 0}
    closing = {")": "(", "]": "[", "}": "{"}
    keep = 0
    for keep, ch in enumerate(path):  # noqa: B007 - the index is used after the loop
        if ch in depth:
            depth[ch] += 1
        elif ch in closing:
            depth[closing[ch]] -= 1
            if depth[closing[ch]] < 0:
                break
    else:
        keep = len(path)
    while keep > 0 and path[keep - 1] in _BAD_PATH_END:
        keep -= 1
    full = full[:len(full) - (len(path) - keep)]
    labels = domain.split(".")
    if len(labels) == 1:
        return ""
    raw_labels = [label.encode() for label in labels]
    if any(not p or len(p) >= 64 or p.endswith(b"-") for p in raw_labels):
        return ""
    if len(labels) == 4 and all(_ipv4_part(p) for p in labels):
        return full
    if all(p.isdigit() for p in labels):
        return ""
    tld = labels[-1]
    if len(tld) <= 1:
        return ""
    if tld.startswith("xn--"):
        if len(tld) <= 5 or not all(c.isascii() and c.isalnum() for c in tld[4:]):
            return ""
    elif "_" in tld or "-" in tld or (not has_protocol and not _known_tld(tld)):
        return ""
    if "_" in labels[-2]:
        return ""
    return full


def _ipv4_part(part: str) -> bool:
    if not part.isdigit() or len(part) > 3 or (part[0] == "0" and len(part) > 1):
        return False
    return int(part) <= 255


def find_urls(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_email) for every URL and e-mail address in text."""
    out = []
    for start, end in _match_urls(text):
        candidate = text[start:end]
        if is_email(candidate):
            out.append((start, end, True))
        elif candidate.startswith("mailto:") and is_email(candidate[7:]):
            out.append((start + 7, end, True))
        else:
            fixed = _fix_url(candidate)
            if fixed:
                out.append((start, start + len(fixed), False))
    return out
