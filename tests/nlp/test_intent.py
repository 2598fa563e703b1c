"""Reading a grid worker's reply and a resident's question: a text table (phrase × punctuation
× negation), and the rule that a question never reads as a report."""

from __future__ import annotations

import pytest

from nlp.intent import Step, asks_status, read_progress

REPLIES = [
    ("收到，已经联系物业了，明天上午来修井盖", Step.PROGRESS),
    ("东门井盖已经修好了", Step.RESOLVE),
    ("已处理完，大家放心", Step.RESOLVE),
    ("下水道疏通好了", Step.RESOLVE),
    ("问题已经解决了", Step.RESOLVE),
    ("师傅正在修", Step.PROGRESS),
    ("在修了", Step.PROGRESS),
    ("已通知环卫，下午清运", Step.PROGRESS),
    ("明天派人来看看", Step.PROGRESS),
    ("收到", Step.ACKNOWLEDGE),
    ("好的，我去看看", Step.ACKNOWLEDGE),
    ("这个不归我们管，要找供电公司", Step.DECLINE),
    ("不属于物业管", Step.DECLINE),
]
NOT_REPLIES = ["哈哈今天天气真好", "还没修好", "修好了没有？", "吃饭了吗", "路灯坏了好几天了",
               "我家也是", ""]
QUESTIONS = ["三栋门口路灯修好了没有？", "@suqiu_bot 我反映的路灯怎么样了", "有人管吗",
             "路灯坏了好几天了，有人管吗？", "什么时候来修啊", "还没修好", "到底管不管？"]
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
