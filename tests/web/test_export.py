"""The ledger exports, read back the way an officer's spreadsheet would read them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from issues.views import Stats
from tests.web.conftest import Dash, login
from web.export import figures_of


async def test_only_admins_export(dash: Dash) -> None:
    client = dash.client
    await login(client)  # read-only: no export, and no export button
    assert (await client.get("/export.csv")).status == 403
    assert (await client.get("/export.xlsx")).status == 403
    assert "导出 CSV" not in await (await client.get("/issues")).text()
    await login(client, "admin-secret")
    assert "导出 CSV" in await (await client.get("/issues")).text()


async def test_xlsx_typed_filtered_and_with_figures(dash: Dash) -> None:
    client = dash.client
    await login(client, "admin-secret")
    wb = load_workbook(io.BytesIO(await (await client.get("/export.xlsx")).read()))
    ws = wb["诉求台账"]
    head = [c.value for c in ws[1]]
    col = {name: n for n, name in enumerate(head)}
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(head)).column_letter}{ws.max_row}"
    rows = {r[col["诉求编号"]]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 5 and ws.freeze_panes == "A2"
    lamp = rows["幸福社区3栋群-1"]
    # Dates are dates and durations durations: Excel sorts them and computes with them.
    assert isinstance(lamp[col["提交时间"]], datetime)
    assert isinstance(lamp[col["办结时间"]], datetime)
    took = lamp[col["办结用时"]]
    assert isinstance(took, timedelta) and abs(took - timedelta(hours=25)) < timedelta(minutes=1)
    assert lamp[col["按时办结"]] == "是" and lamp[col["办理结果"]] == "换了新灯"
    assert lamp[col["回访评价"]] == "满意"
    garbage = rows["和平社区7栋群-2"]
    assert garbage[col["回访评价"]] == "不满意"
    assert rows["和平社区7栋群-1"][col["负责人"]] == "张师傅"
    assert rows["幸福社区5栋群-1"][col["负责人"]] == "王网格（群主）"
    assert rows["幸福社区3栋群-2"][col["承办部门"]] == "城管"
    assert ws.cell(2, col["提交时间"] + 1).number_format == "yyyy-mm-dd hh:mm"
    sheet = list(wb["督办指标"].iter_rows(min_row=2, values_only=True))
    figures = {r[0]: r[1] for r in sheet}
    notes = {r[0]: r[2] for r in sheet}
    # Below the headline figures, the supervision figures per community of the period.
    head_row = next(n for n, r in enumerate(sheet) if r[0] and str(r[0]).startswith("街道"))
    assert sheet[head_row][1:4] == ("收到", "按时受理率", "按时办结率")
    assert [r[0] for r in sheet[head_row + 1:]] == ["东风街道"]
    assert sheet[head_row + 1][1] == 5
    assert figures["收到"] == 5 and figures["红灯（超时）"] == 1 and figures["黄灯（临期）"] == 1
    # Two ratings make no 满意度 (figures.satisfaction_min_ratings, 5), as on the dashboard:
    # a dash and the count, on both tables.
    assert figures["满意度"] == "—" and notes["满意度"] == "2 条评价，不足 5 条，暂不计算"
    unit = dict(zip(sheet[head_row], sheet[head_row + 1], strict=False))
    assert (unit["满意"], unit["不满意"], unit["满意度"], unit["评价数"]) == (1, 1, "—", 2)
    # Filters apply to the export as to the page.
    one = load_workbook(io.BytesIO(await (await client.get(
        "/export.xlsx?category=elevator")).read()))["诉求台账"]
    assert one.max_row == 2 and one["A2"].value == "和平社区7栋群-1"


async def test_csv_same_columns_with_bom(dash: Dash) -> None:
    client = dash.client
    await login(client, "admin-secret")
    raw = await (await client.get("/export.csv?group=-100")).read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    head = rows[0]
    assert head[:4] == ["诉求编号", "全区编号", "群", "群内编号"] and "办结用时（小时）" in head
    body = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert set(body) == {"幸福社区3栋群-1", "幸福社区3栋群-2"}
    lamp = body["幸福社区3栋群-1"]
    assert datetime.strptime(lamp["提交时间"], "%Y-%m-%d %H:%M")
    assert float(lamp["办结用时（小时）"]) == 25.0 and lamp["回访评价"] == "满意"


async def test_exports_by_holder(dash: Dash) -> None:
    """The ledger's filter by 负责人 exports what the page lists: 王网格's issues nobody else
    was assigned, in both of his groups."""
    client = dash.client
    await login(client, "admin-secret")
    raw = await (await client.get("/export.csv?holder=1")).read()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r[0]: r[13] for r in rows[1:]} == {
        "幸福社区3栋群-1": "王网格（群主）", "幸福社区3栋群-2": "王网格（群主）",
        "幸福社区5栋群-1": "王网格（群主）"}
    book = load_workbook(io.BytesIO(await (await client.get("/export.xlsx?holder=3")).read()))
    ws = book["诉求台账"]
    assert [(r[0], r[13]) for r in ws.iter_rows(min_row=2, values_only=True)] == [
        ("和平社区7栋群-1", "张师傅")]
    # The 督办指标 per 负责人 (by=holder, as the supervision page): owners marked.
    book = load_workbook(io.BytesIO(await (await client.get("/export.xlsx?by=holder")).read()))
    sheet = list(book["督办指标"].iter_rows(min_row=2, values_only=True))
    head = next(n for n, r in enumerate(sheet) if r[0] and str(r[0]).startswith("负责人"))
    assert {r[0]: r[1] for r in sheet[head + 1:]} == {"王网格（群主）": 3, "张师傅": 1,
                                                       "赵网格（群主）": 1}


async def test_the_figures_sheet_counts_the_rows_exported(dash: Dash) -> None:
    """The 督办指标 sheet's 收到 and lights are those of the issues exported, whatever the
    filter (a department, a person in charge, a category, a status), not of the district."""
    client = dash.client
    await login(client, "admin-secret")
    for query in ("dept=chengguan", "holder=1", "category=elevator", "status=resolved",
                  "light=red", "group=-100&category=streetlight", ""):
        book = load_workbook(io.BytesIO(await (await client.get(
            f"/export.xlsx?{query}")).read()))
        rows = list(book["诉求台账"].iter_rows(min_row=2, values_only=True))
        col = {name: n for n, name in enumerate(next(book["诉求台账"].iter_rows(
            max_row=1, values_only=True)))}
        figures = {r[0]: r[1] for r in book["督办指标"].iter_rows(min_row=2, values_only=True)}
        assert figures["收到"] == len(rows), query
        assert figures["红灯（超时）"] == sum(r[col["亮灯"]] == "红灯" for r in rows), query


def test_satisfaction_shows_from_the_minimum_of_ratings() -> None:
    def stats(rated: int) -> Stats:
        return Stats(received=9, answered=9, in_progress=0, resolved=9, rejected=0,
                     rated=rated, satisfied=rated - 1, resolution_rate=1.0,
                     satisfaction_rate=(rated - 1) / rated, median_ack_minutes=None,
                     median_resolve_hours=None)

    def shown(rated: int) -> tuple[object, str]:
        f, = [f for f in figures_of(stats(rated), 5) if f.name == "满意度"]
        return f.value, f.note

    assert shown(4) == ("—", "4 条评价，不足 5 条，暂不计算")
    assert shown(5) == (0.8, "满意或基本满意 ÷ 评价数（5 条评价）")
