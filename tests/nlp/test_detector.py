"""The detector: rule families with positive and negative cases, chat noise, rule errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlp import RuleError, detect, reload_rules, threshold_for
from nlp.evaluate import evaluate, naive_predict_factory, read_examples
from nlp.normalize import normalize
from nlp.rules import DEFAULT_RULES_DIR, load_rules
from nlp.types import Detection

DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "data" / "detector-dev.jsonl"

# (text, category) — one or more per category, in the voice of real group chat.
COMPLAINTS = [
    ("3栋门口路灯坏了好几天了", "streetlight"),
    ("5单元楼道的声控灯不亮了 爬楼只能开手机电筒", "streetlight"),
    ("小区门口一下雨就积水 水淹到脚脖子", "drainage"),
    ("2栋楼下下水道堵了 脏水冒出来了", "drainage"),
    ("早上到现在还是没水 上班脸都冇洗", "water"),
    ("7栋又停电了 冰箱里的东西都要坏了", "power"),
    ("楼下那个垃圾桶满了两天冇人收 臭死了", "garbage"),
    ("楼上天天半夜剁东西 咚咚咚的 睡不着", "noise"),
    ("工地不洒水也不盖网 风一吹满天灰", "dust"),
    ("一楼餐馆的油烟直接往我们窗户里灌", "fumes"),
    ("消防通道上又停满了车", "parking"),
    ("菜市场旁边那个井盖冇得了 晚上看不见", "road"),
    ("5栋门口那棵大树倒了横在路中间", "greenery"),
    ("楼顶的广告牌锈得快掉了", "hazard"),
    ("1单元电梯又坏了 天天爬18楼", "elevator"),
    ("楼道墙上裂了好长一条缝 一下雨就渗水", "building"),
    ("单元门禁坏了 刷卡刷不开", "facility"),
    ("小区里老鼠太多了 晚上在垃圾桶边跑", "pest"),
    ("楼顶有人在加盖铁皮房 这是违建吧", "illegal_build"),
    ("我停在楼下的电动车昨晚被偷了", "order"),
    ("报修了三次了 物业都说在安排 到现在冇人来", "property"),
]

URGENT = [
    "4栋2单元楼道里好大一股燃气味，谁家漏气了吧？？",
    "小区垃圾站那边着火了，烟好大",
    "我被关在电梯里了 6栋 救命",
    "小区门口一根电线掉在地上了还在冒火花",
    "快来人啊 1栋一楼住户屋里进水了 水越来越深",
    "7栋旁边的地面在往下沉 今天早上又塌了一块",
]

NOT_ISSUES = [
    # thanks / fixed / negation / ok
    "3栋门口的路灯昨晚亮了，感谢网格员👍",
    "下水道已经通了，师傅辛苦了",
    "路灯是亮的，我刚从那边走过来",
    "我家没停水啊",
    "以前这条路一到晚上黑漆漆的，现在装了路灯方便多了",
    # official notices and replies
    "【通知】下周一燃气公司将对小区燃气管道进行更换，暂停供气约4小时",
    "各位居民：本周六上午停水检修，请提前储水",
    "已登记，谢谢您的反馈，我们尽快处理",
    "师傅正在抢修，大家耐心等一下",
    # questions that seek information, ads, private homes, chit-chat
    "请问明天停水是整个小区都停吗？",
    "专业疏通下水道，价格实惠，电话见图",
    "我家马桶堵了，有冇推荐的师傅",
    "哈哈哈哈",
    "收到",
    "今天天气真好",
]


@pytest.mark.parametrize("text,category", COMPLAINTS)
@pytest.mark.parametrize("noise", ["", "！！", " 😡", " [图片]", " @物业 麻烦看看"])
def test_complaints_are_caught_with_their_category(text: str, category: str,
                                                   noise: str) -> None:
    d = detect(text + noise)
    assert d.is_issue, d
    assert d.category == category, d
    assert d.category_name
    assert 0 < len(d.summary) <= 20


@pytest.mark.parametrize("text", URGENT)
def test_life_safety_cases_are_urgent(text: str) -> None:
    d = detect(text)
    assert d.is_issue and d.urgent, d
    assert d.urgent_kind


@pytest.mark.parametrize("text", NOT_ISSUES)
def test_non_issues_stay_quiet(text: str) -> None:
    assert not detect(text).is_issue, detect(text)


@pytest.mark.parametrize("prefix", ["没", "冇", "并没有"])
def test_negation_cancels_the_problem(prefix: str) -> None:
    assert detect("3栋门口路灯坏了").is_issue
    assert not detect(f"3栋门口路灯{prefix}坏").is_issue


@pytest.mark.parametrize("text", [
    "３栋门口路灯壞了好幾天了",          # full-width digits, traditional characters
    "3栋门口路灯坏了好几天了麻烦看下谢谢",  # voice-to-text without punctuation
    "@王网格 3栋门口路灯坏了 [图片]",
])
def test_real_chat_forms(text: str) -> None:
    d = detect(text)
    assert d.is_issue and d.category == "streetlight", d


@pytest.mark.parametrize("text,place", [
    ("3栋2单元门口的下水道堵了", "3栋2单元门口"),
    ("梅园路乾源国际段积水严重 车都过不去", "梅园路乾源国际段"),
    ("小区东门的垃圾堆成山了", "小区东门"),
])
def test_location_is_extracted(text: str, place: str) -> None:
    assert detect(text).location == place


@pytest.mark.parametrize("text", ["", "   ", "😂😂😂", "[图片]", "路" * 10_000,
                                  "3栋路灯坏了" * 2_000, "\x00\ufffd", "a" * 50])
def test_odd_input_never_crashes(text: str) -> None:
    d = detect(text)
    assert isinstance(d.is_issue, bool)
    assert len(d.summary) <= 20


@pytest.mark.parametrize("text,looked_at", [
    # A phrase such as "(冇|没)人(收|清理)" needs 没人收 or 没人清理: 没 alone lets nothing in,
    # nor do 大 and 多, so everyday chat is not scored at all.
    ("有没有人拼车去市里", False),
    ("明天降温大家多穿点", False),
    ("好久没见大家了", False),
    ("垃圾没人收好几天了", True),     # the phrase's own words
    ("煤气味好重", True),             # an urgent pattern's words
    ("3栋门口路灯坏了", True),        # an object of two characters
])
def test_the_pre_filter_looks_for_what_rules_need(text: str, looked_at: bool) -> None:
    prefilter = load_rules().prefilter
    assert prefilter.search(normalize(text)) is looked_at
    assert not {"没", "大", "多", "冇"} & prefilter.literals
    if not looked_at:
        assert detect(text) == Detection(is_issue=False)


def test_sensitivity_thresholds_order() -> None:
    assert threshold_for("high") < threshold_for("normal") < threshold_for("low")
    d = detect("3栋门口路灯坏了好几天了")
    assert d.confidence >= threshold_for("normal")


def test_bad_rule_file_is_refused_and_last_good_rules_stay(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    cats = rules / "categories.yaml"
    lines = cats.read_text(encoding="utf-8").splitlines()
    idx = next(i for i, line in enumerate(lines) if line.strip().startswith("- \"黑灯瞎火\""))
    lines[idx] = '    - "(黑灯瞎火"'
    cats.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        reload_rules(rules)
    assert err.value.path.name == "categories.yaml"
    assert err.value.line == idx + 1
    assert "regular expression" in str(err.value)
    assert detect("3栋门口路灯坏了").is_issue  # the rules in force still work
    cats.write_text("streetlight: [oops\n", encoding="utf-8")
    with pytest.raises(RuleError, match="YAML syntax"):
        reload_rules(rules)


def test_reload_applies_a_new_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    cats = rules / "categories.yaml"
    text = cats.read_text(encoding="utf-8").replace(
        "facility:\n  objects: [", "facility:\n  objects: [秋千链子, ")
    cats.write_text(text, encoding="utf-8")
    try:
        reload_rules(rules)
        assert detect("小区的秋千链子坏了好久了").category == "facility"
    finally:
        reload_rules()


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared dev set not beside the repo")
def test_dev_set_figures_meet_the_targets() -> None:
    examples = read_examples(DEV_SET)
    rep = evaluate(examples)
    naive = evaluate(examples, naive_predict_factory())
    assert rep.precision >= 0.95, rep.summary()
    assert rep.recall >= 0.90, rep.summary()
    assert rep.category_accuracy >= 0.90, rep.summary()
    assert rep.urgent_recall == 1.0, rep.summary()
    assert rep.precision > naive.precision + 0.2


def test_classify_cli_streams_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from nlp.cli import classify_main

    f = tmp_path / "in.jsonl"
    f.write_text('{"text": "3栋门口路灯坏了"}\n哈哈哈\n', encoding="utf-8")
    assert classify_main(argparse.Namespace(file=str(f))) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["is_issue"] for r in rows] == [True, False]
    assert rows[0]["category"] == "streetlight" and rows[0]["category_name"] == "路灯照明"
