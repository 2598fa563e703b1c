"""Pulling the place out of a complaint: "3栋2单元门口", "梅园路乾源国际段", "小区东门"."""

from __future__ import annotations

import re

_NUM = r"(?:\d+|[一二三四五六七八九十两]+)"
_SPOT = (r"(?:门口|旁边|楼下|楼道|楼顶|前面|后面|附近|对面|大堂|中间|东侧|西侧|南侧|北侧|"
         r"侧面|边上|那边|这边|路口|一楼|顶楼)")
_BUILDING = re.compile(
    rf"(?:[一二三四五六七八九十\d]+期)?{_NUM}(?:栋|幢|号楼|座)(?:{_NUM}单元)?(?:{_NUM}楼)?"
    rf"(?:(?:和|与|到){_NUM}(?:栋|幢|号楼))?{_SPOT}?"
)
_UNIT = re.compile(rf"{_NUM}单元(?:{_NUM}楼)?{_SPOT}?")
_ROAD = re.compile(
    r"(?P<name>[\u4e00-\u9fa5]{2,5})(?:路(?![灯面过费线人])|街|大道|巷)(?:(?:和|与)[\u4e00-\u9fa5]{2,5}(?:路|街))?"
    r"(?:[\u4e00-\u9fa5]{2,6}段|交叉口|路口|辅道|口|边)?"
)
_PLACE = re.compile(
    r"(?:小区|社区)门口|(?:小区|社区|村)?(?:(?:东门|西门|南门|北门|大门|正门|后门)口?|地下车库[a-z\d]?区?|地下室|"
    r"菜市场|学校门口|幼儿园门口|公交站台?|篮球场|广场|中心花园|花园|健身区|垃圾站|"
    rf"垃圾中转站|停车场|车库|河边|村口|村道){_SPOT}?"
)
_GROUP = re.compile(
    r"(?:[\u4e00-\u9fa5]{2}(?:湾|村|坪|冲|塘))?[一二三四五六七八九十\d]+组"
    r"|[\u4e00-\u9fa5]{2}(?:湾|村|坪|冲|塘)组"
)
_ROAD_STOP = ("马路", "走路", "过路", "一路", "这路", "那路", "条路", "修路", "问路", "出路",
              "带路", "让路", "堵路", "那条", "这条",
              # where something went, not a road's name: 漫到路上, 停在路边, 占路经营
              "到路", "在路", "往路", "向路", "占路", "沿路", "满路",
              # passing by (每次路过), not a road called 每次路
              "路过",
              # words that end in 路 or 街 and are no street: 电路 短路, 逛街
              "电路", "短路", "套路", "思路", "网路", "路由", "逛街", "上街", "满街")
# A road's name is a proper name: a verb's helper or a verb of telling inside it (营的摊贩把路,
# 来电反映幸福路) says the regex ran across a clause into the 路; the name is what follows the
# last of them (幸福路), and none is left in 把路堵了. After 的 too (钟楼的银盆路 → 银盆路), but
# 小区的路 or 村里的路 is a road all the same, said without its name: kept as said.
_NOT_IN_A_NAME = re.compile(
    r"[把被了着也又还就很没不给让叫看说是报]|反映|反应|投诉|举报|咨询|来电|报告")
# The way somewhere (回家路上, 上学路上, 买菜回来路上) is a journey, not a road called 回家路.
_JOURNEY = re.compile(r"(?:回家|上学|放学|上班|下班|回来|回去|过来|过去|出门|出来|进来|买菜|"
                      r"散步|遛狗|接孩子|送孩子)$")


_ORDER = (_BUILDING, _GROUP, _ROAD, _UNIT, _PLACE)
# A kind of place every neighbourhood has (车库, 广场, 东门): it says where, but not which one,
# so it is weaker evidence of a public complaint than an address.
_GENERIC = _PLACE


def find_location(text: str) -> str | None:
    """The most specific place named in the text, or None."""
    found = locate(text)
    return found[0] if found else None


def locate(text: str) -> tuple[str, bool] | None:
    """The most specific place named in the text and whether it is an address (a building,
    unit, road or village group) rather than a generic place (车库, 广场); None if none."""
    for rx in _ORDER:
        span = _first_place(rx, text)
        if span is not None:
            return span, rx is not _GENERIC
    return None


def _first_place(rx: re.Pattern[str], text: str) -> str | None:
    for m in rx.finditer(text):
        span = _trim_road(m.group(0), m.group("name")) if rx is _ROAD else m.group(0)
        if span is None:
            continue  # a road "name" that is really a verb phrase (修路, 走路)
        return span
    return None


def _trim_road(span: str, name: str) -> str | None:
    # "建设路公交站台" keeps "建设路"; leading verbs like "进村那条路" are not road names.
    if any(bad in span for bad in _ROAD_STOP):
        return None
    for lead in ("在", "到", "从", "往", "去", "是", "的", "那", "这", "条", "进村那条"):
        if span.startswith(lead) and len(span) > len(lead) + 2:
            span, name = span[len(lead):], name[len(lead):]
    if _JOURNEY.search(name.removesuffix("的")):
        return None
    cut = max((m.end() for m in _NOT_IN_A_NAME.finditer(name)), default=0)
    if len(name) - cut < 2:
        return None
    of = name.rfind("的", cut)
    if of != -1 and len(name) - of - 1 >= 2:
        cut = of + 1
    return span[cut:]
