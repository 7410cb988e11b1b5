"""Spreadsheet downloads carry what people typed as text: an owner's name that looks
like a formula is shown, never run (issue 13)."""

import datetime as dt
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from fees import services
from propertydesk.exports import Sheet, csv_safe, write_cell, xlsx_bytes
from tests.fees.conftest import sh

NOV = dt.date(2026, 11, 1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HOSTILE = '=HYPERLINK("http://x","y")'


def test_an_owner_named_like_a_formula_is_text_in_arrears_xlsx(client, estate):
    # given 王强 renamed to a formula, owing for November
    wang = estate["wang"]
    wang.name = HOSTILE
    wang.save(update_fields=["name"])
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    client.force_login(estate["desk"])

    # when the desk downloads the arrears list
    with time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False), translation.override("en"):
        response = client.get(reverse("export", args=["arrears"]), **EN)

    # then the name is a plain string cell, flagged as quoted text, and no formula is in the file
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content))["Arrears"]
    named = [row[1] for row in sheet.iter_rows() if row[1].value == HOSTILE]
    assert named, "the owner's name is in the sheet, as typed"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in named)
    with zipfile.ZipFile(BytesIO(content)) as book:
        xml = "".join(book.read(name).decode() for name in book.namelist() if name.startswith("xl/worksheets/"))
    assert "<f>" not in xml  # openpyxl writes it as an inline string: <c t="inlineStr"><is><t>=HYPERLINK…
    assert '<is><t>=HYPERLINK("http://x","y")</t></is>' in xml


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_written_as_text(text):
    cell = Workbook().active["A1"]
    write_cell(cell, text)
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix


def test_ordinary_text_and_numbers_are_untouched():
    book = load_workbook(BytesIO(xlsx_bytes([Sheet("S", ["Name", "Owed"], [["李娜", Decimal("-12.50")], ["a=b", 3]])])))
    rows = [[c for c in row] for row in book["S"].iter_rows(min_row=2)]
    assert rows[0][0].value == "李娜" and not rows[0][0].quotePrefix
    assert rows[0][1].value == -12.5 and rows[0][1].data_type == "n" and rows[0][1].number_format == "#,##0.00"
    assert rows[1][0].value == "a=b" and rows[1][1].value == 3


def test_csv_cells_that_would_run_get_a_leading_apostrophe():
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("@x") == "'@x"
    assert csv_safe("李娜") == "李娜" and csv_safe(Decimal("-1")) == Decimal("-1")
