"""Reading a grid worker's reply and a resident's question: a text table (phrase × punctuation
× negation), and the rule that a question never reads as a report."""

from __future__ import annotations

import pytest

from nlp.datasets import DATA_DIR, is_held_out
from nlp.evaluate import intent_figures, read_intents
from nlp.intent import (
    Step,
    asks_status,
    help_request,
    mentions,
    read_progress,
    status_query,
)

REPLIES = [
    ("收到，已经联系物业了，明天上午来修井盖", Step.PROGRESS),
    ("东门井盖已经修好了", Step.RESOLVE),
    ("暖气那个明天上午热力公司来排气", Step.PROGRESS),  # who comes, and to do what
    ("下午物业来疏通", Step.PROGRESS),
    ("已处理完，大家放心", Step.RESOLVE),
    ("下水道疏通好了", Step.RESOLVE),
    ("问题已经解决了", Step.RESOLVE),
    ("师傅正在修", Step.PROGRESS),
    ("在修了", Step.PROGRESS),
    ("已通知环卫，下午清运", Step.PROGRESS),
    ("明天派人来看看", Step.PROGRESS),
    ("垃圾已经清了", Step.RESOLVE),  # the worker's own short word for 清理干净
    ("违停的车已经拖走了", Step.RESOLVE),
    ("已处理", Step.RESOLVE),  # the terse replies of a busy worker
    ("路灯亮了", Step.RESOLVE),
    ("电来了", Step.RESOLVE),
    ("下水道已经通了", Step.RESOLVE),
    ("正在协调", Step.PROGRESS),
    ("已反馈给物业", Step.PROGRESS),
    ("已经清理了一半，明天继续", Step.PROGRESS),  # part of the work is progress, not done
    ("管道已经疏通好了，剩下的明天再弄", Step.PROGRESS),
    ("收到", Step.ACKNOWLEDGE),
    ("好的，我去看看", Step.ACKNOWLEDGE),
    ("这个不归我们管，要找供电公司", Step.DECLINE),
    ("不属于物业管", Step.DECLINE),
    ("明天上午处理", Step.PROGRESS),  # a day promised is progress; "马上处理" is only seen
    ("这两天清理", Step.PROGRESS),
    ("辛苦了，已派单", Step.PROGRESS),  # the work order is out
    ("已经转交物业", Step.PROGRESS),
    ("转给城管了", Step.PROGRESS),
    ("电梯好了", Step.RESOLVE),  # the thing itself is fine again
    ("楼道灯正常了", Step.RESOLVE),
    ("马上处理", Step.ACKNOWLEDGE),
    ("👌", Step.ACKNOWLEDGE),  # a nod, as the whole message
    ("嗯嗯", Step.ACKNOWLEDGE),
    ("OK", Step.ACKNOWLEDGE),
]
NOT_REPLIES = ["哈哈今天天气真好", "还没修好", "修好了没有？", "吃饭了吗", "路灯坏了好几天了",
               "我家也是", "", "好几天了", "好吧", "行吧", "明天能处理吗", "今天修不了",
               "今晚安排志愿者巡逻", "电梯还没好", "好了好了别吵了"]
QUESTIONS = ["三栋门口路灯修好了没有？", "@suqiu_bot 我反映的路灯怎么样了", "有人管吗",
             "路灯坏了好几天了，有人管吗？", "什么时候来修啊", "还没修好", "到底管不管？",
             "垃圾清了没有啊", "井盖换了没", "下水道通了吗",  # the verb of the work done
             "路灯亮了吗", "来电了没", "电梯能用了吗", "还要等多久", "是不是没人管了",
             "水还要停多久", "车库的水还要等多久", "电要停到什么时候", "车库的水抽干了没有"]
NOT_QUESTIONS = ["3栋门口路灯坏了好几天了", "东门井盖已经修好了", "收到", "谢谢王网格"]


@pytest.mark.parametrize(("text", "step"), REPLIES)
@pytest.mark.parametrize("end", ["", "。", "！", " 👍"])
def test_replies_read_as_the_step_they_report(text: str, step: Step, end: str) -> None:
    assert read_progress(text + end) == step


@pytest.mark.parametrize("text", NOT_REPLIES)
def test_chat_questions_and_negations_read_as_nothing(text: str) -> None:
    assert read_progress(text) is None


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_about_an_issue(text: str) -> None:
    assert asks_status(text)


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_reports_and_replies_are_not_questions(text: str) -> None:
    assert not asks_status(text)


# --- the full tables: trigger × punctuation × negation × noise ------------------------------
PUNCTUATION = ["", "。", "！", "~", " 👍"]
NOISE = ["", "@王网格 ", "[图片] "]

STEP_TRIGGERS = [
    ("路灯修好了", Step.RESOLVE), ("已经恢复供水", Step.RESOLVE), ("搞定了", Step.RESOLVE),
    ("违建已经拆除了", Step.RESOLVE), ("下水道疏通好了", Step.RESOLVE),
    ("这个不归我们管", Step.DECLINE), ("不属于物业管", Step.DECLINE),
    ("已经联系供电所了", Step.PROGRESS), ("师傅正在抢修", Step.PROGRESS),
    ("明天上午来修", Step.PROGRESS), ("已经上报街道", Step.PROGRESS),
    ("收到", Step.ACKNOWLEDGE), ("好的，我去看看", Step.ACKNOWLEDGE),
]
NEGATED_STEPS = ["还没修好", "没有修好", "还没联系", "没有恢复供水", "并没解决", "还没搞定"]
DOUBTS = ["物业说修好了，其实根本没修", "不是说修好了吗", "修了又坏，修了又坏",
          "说了明天来修，到现在都没人", "电来了又停了", "路灯亮了一会又灭了",
          # waited until today and still nothing: 到 is no one arriving
          "垃圾到今天还没清", "到今天都没修", "楼道灯至今没人来换"]


@pytest.mark.parametrize(("trigger", "step"), STEP_TRIGGERS)
@pytest.mark.parametrize("end", PUNCTUATION)
@pytest.mark.parametrize("noise", NOISE)
def test_a_reply_reads_as_its_step(trigger: str, step: Step, end: str, noise: str) -> None:
    assert read_progress(noise + trigger + end) == step


@pytest.mark.parametrize("text", NEGATED_STEPS + DOUBTS)
@pytest.mark.parametrize("end", ["", "。", "！！"])
def test_negations_and_doubts_report_nothing(text: str, end: str) -> None:
    assert read_progress(text + end) is None


@pytest.mark.parametrize(("trigger", "step"), STEP_TRIGGERS)
@pytest.mark.parametrize("ask", ["吗？", "了吗", "没有？", "?"])
def test_a_step_asked_about_is_not_reported(trigger: str, step: Step, ask: str) -> None:
    assert read_progress(trigger.rstrip("了") + ask) is None


STATUS_TRIGGERS = ["修好了没有", "修了没", "有人管吗", "什么时候来修", "还没修好",
                   "我反映的路灯怎么样了", "#12 处理得怎么样了", "有进展吗", "今天能来电吗",
                   "师傅来过了吗", "到底管不管", "你们家门口的路灯怎么样了，我报修过"]
NOT_STATUS = ["你怎么样了，病好点没", "考试考得怎么样了", "最近身体怎么样", "路灯坏了好几天了",
              "已经修好了", "明天几点停水", "吃饭了吗", "收到",
              # someone's home, not an issue: 装修 is an object of noise all the same
              "你们家装修怎么样了", "他家那个热水器怎么样了"]


@pytest.mark.parametrize("trigger", STATUS_TRIGGERS)
@pytest.mark.parametrize("end", ["", "？", "？？", "啊", " 😡"])
@pytest.mark.parametrize("noise", NOISE)
def test_status_questions(trigger: str, end: str, noise: str) -> None:
    assert asks_status(noise + trigger + end)


@pytest.mark.parametrize("text", NOT_STATUS)
def test_not_status_questions(text: str) -> None:
    assert not asks_status(text)


@pytest.mark.parametrize(("text", "categories", "place", "number"), [
    ("我反映的3栋门口路灯怎么样了", ("streetlight",), "3栋门口", None),
    ("#12 下水道处理得怎么样了？", ("drainage",), None, 12),
    ("东门的井盖修好了没有", ("road",), "东门", None),
    ("有人管吗", (), None, None),
])
def test_a_status_question_names_what_to_find_the_issue_by(
        text: str, categories: tuple[str, ...], place: str | None, number: int | None) -> None:
    q = status_query(text)
    assert q is not None
    assert q.categories == categories and q.place == place and q.number == number


HELP_TRIGGERS = [
    "我家老人一个人在家，灯泡坏了换不了，哪位邻居能帮个忙",
    "有没有年轻人帮忙把煤气罐扛上六楼，我腰不好",
    "谁明天有空开车送我妈去社区医院",
    "求助：谁能帮我把轮椅抬下楼",
    "微心愿：独居的张奶奶想要一台收音机",
    "有没有志愿者可以陪老人去医院复查",
]
NOT_HELP = [
    "我家灯泡坏了",                      # a private problem, no request: nothing
    "我家马桶堵了，有没有推荐的师傅",      # asks for a tradesman, not a neighbour
    "麻烦帮忙看一下3栋门口的路灯",        # a public problem: a complaint
    "帮忙砍一刀，谢谢",                    # a favour online
    "帮我投一票，3号",
    "谢谢邻居帮我把煤气罐扛上来",          # thanks for help given
    "社区招募志愿者，周六去敬老院",        # a notice
    "今天天气真好",
]


@pytest.mark.parametrize("trigger", HELP_TRIGGERS)
@pytest.mark.parametrize("end", ["", "，谢谢", "🙏", "！"])
@pytest.mark.parametrize("noise", ["", "[图片] "])
def test_help_requests(trigger: str, end: str, noise: str) -> None:
    assert help_request(noise + trigger + end) is not None


@pytest.mark.parametrize("text", NOT_HELP)
def test_not_help_requests(text: str) -> None:
    assert help_request(text) is None


def test_a_help_request_says_what_the_help_is_for() -> None:
    request = help_request("有没有年轻人帮忙把煤气罐扛上六楼，我腰不好")
    assert request is not None and "扛" in request.needs


@pytest.mark.parametrize(("name", "floor"), [("intent-replies", 0.9), ("intent-status", 0.85),
                                             ("intent-help", 0.85)])
def test_held_out_figures_of_the_intent_tables(name: str, floor: float) -> None:
    """The labelled intent messages' held-out part (nlp/labels/intent-*.jsonl): rules were
    written from the rest."""
    read = read_intents(DATA_DIR / f"{name}.jsonl")
    assert read is not None
    kind, rows = read
    held = [(t, v) for t, v in rows if is_held_out(t)]
    assert len(held) >= 10
    assert intent_figures(kind, held)["accuracy"] >= floor


@pytest.mark.parametrize(("text", "place", "named"), [
    ("车库的水", "地下车库", True),  # a place the issue's place holds
    ("三栋门口", "3栋门口", True), ("3栋", "3栋门口", True),
    ("5栋门口", "3栋门口", False), ("11栋", "1栋", False), ("路灯", "3栋门口", False)])
def test_a_question_names_the_place_in_its_own_words(text: str, place: str,
                                                     named: bool) -> None:
    assert (mentions(text, place, "") >= 2) is named


@pytest.mark.parametrize("text", ["我家空调坏了谁知道哪家修得好",
                                  "家里的插座烧了，谁认识会修电的师傅",
                                  "咱家的电视没信号了，谁知道找哪个师傅修"])
def test_asking_who_can_recommend_a_tradesman_is_no_request_for_a_hand(text: str) -> None:
    assert help_request(text) is None
