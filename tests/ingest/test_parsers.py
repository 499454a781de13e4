"""Parsers and row checks: what text the contract's types accept, byte for byte and cent for cent."""

from __future__ import annotations

import string
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundguard.contract import Column
from fundguard.ingest.encoding import scan_lines, to_utf8
from fundguard.ingest.reader import SourceFile
from fundguard.ingest.service import load_rules
from fundguard.ingest.validate import Checks, _text, _typed, check_rows

CON = duckdb.connect()


def parse(kind: str, text: str | None):
    """The typed value the ingest SQL gives ``text`` in a column of ``kind`` (None = rejected)."""
    expr = _typed(Column("x", kind), "VARCHAR")
    return CON.execute(
        f"SELECT {expr} FROM (SELECT NULLIF(trim(CAST(? AS VARCHAR)), '') AS r_x)", [text]
    ).fetchall()[0][0]


money = st.decimals(min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=2, allow_nan=False)


@settings(deadline=None)
@given(money)
def test_any_two_decimal_amount_round_trips_to_the_exact_cent(value):
    assert parse("dec2", str(value)) == value


@settings(deadline=None)
@given(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=3, allow_nan=False))
def test_money_with_a_third_decimal_digit_is_rejected_not_rounded(value):
    expected = value if value == value.quantize(Decimal("0.01")) else None
    assert parse("dec2", str(value)) == expected


@pytest.mark.parametrize("text", ["1.5.0", "12.5元", "1,000.00", "abc", "--1", "1e3"])
def test_unparsable_numbers_are_rejected(text):
    assert parse("dec4", text) is None


@settings(deadline=None)
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    )
)
def test_any_contract_time_round_trips(moment):
    assert parse("time", moment.strftime("%Y-%m-%d %H:%M:%S")) == moment


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30 10:00:00",
        "2024-13-01 08:00:00",
        "2024/03/01 08:00:00",
        "2024-03-01",
        "2024-3-1 8:00:00",
        "2024-03-01 24:00:00",
        "2024-03-01T08:00:00",
        "昨天",
    ],
)
def test_times_outside_the_contract_format_are_rejected(text):
    assert parse("time", text) is None


@pytest.mark.parametrize("space", [" ", "\u3000", "\u00a0"])
def test_values_are_trimmed_of_spaces_and_blank_is_missing(space):
    """Text is trimmed of space separators (also the full-width space of Chinese input), exactly as
    validation sees it (``_text``); a value of spaces only is missing."""
    text = _text("x", "VARCHAR")
    got = CON.execute(
        f"SELECT {text} FROM (SELECT CAST(? AS VARCHAR) AS x)", [f"{space}A01{space}"]
    ).fetchall()
    assert got == [("A01",)]
    assert CON.execute(f"SELECT {text} FROM (SELECT CAST(? AS VARCHAR) AS x)", [space * 2]).fetchall() == [
        (None,)
    ]
    assert CON.execute(f"SELECT {text} FROM (SELECT 'A 01' AS x)").fetchall() == [("A 01",)]


def test_dates_and_integers_follow_the_contract():
    assert str(parse("date", "2024-02-29")) == "2024-02-29"
    assert parse("date", "2023-02-29") is None
    assert parse("int", " 42 ") == 42
    assert parse("int", "4.2") is None
    assert parse("dec2", "  ") is None  # empty is missing, not zero


def _fee_problem(cnt: str, pric: str, total: str) -> str | None:
    """Run the per-row checks on one fee line and return the reason code (None = passes)."""
    con = duckdb.connect()
    cols = [
        "feedetl_sn",
        "mdtrt_id",
        "psn_no",
        "fixmedins_code",
        "fee_ocur_time",
        "med_list_codg",
        "cnt",
        "pric",
        "det_item_fee_sumamt",
    ]
    values = ["F1", "M1", "P1", "H11010500001", "2024-03-01 09:00:00", "X1", cnt, pric, total]
    select = ", ".join(f"CAST(? AS VARCHAR) AS {c}" for c in cols)
    con.execute(f"CREATE TABLE src_fee_list AS SELECT 2 AS _line, {select}", values)
    src = SourceFile(
        "fee_list", Path("fee_list.csv"), "csv", columns=cols, source_types=dict.fromkeys(cols, "VARCHAR")
    )
    checks = Checks()
    check_rows(con, src, RULES, checks)
    pid = con.execute("SELECT _pid FROM chk_fee_list").fetchall()[0][0]
    return None if pid is None else checks.by_id[pid].code


RULES = None


@pytest.fixture(autouse=True)
def _rules():
    global RULES
    RULES = load_rules()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("999"), places=2),
    st.decimals(min_value=Decimal("-0.05"), max_value=Decimal("0.05"), places=2),
)
def test_line_total_must_equal_count_times_price_within_one_cent(cnt, pric, error):
    product = cnt * pric
    total = (product + error).quantize(Decimal("0.01"))
    expected = None if abs(total - product) <= Decimal("0.01") else "AMOUNT_MISMATCH"
    assert _fee_problem(str(cnt), str(pric), str(total)) == expected


def test_negative_count_only_on_refund_lines():
    assert _fee_problem("-2", "5", "-10.00") is None
    assert _fee_problem("-2", "5", "10.00") == "NEGATIVE_COUNT"


chinese_text = st.text(
    alphabet=st.sampled_from(
        list("医保基金监管张王李赵门诊住院费用明细阿莫西林")
        + list(string.ascii_letters + string.digits + " ")
    ),
    min_size=1,
    max_size=30,
)


@given(st.lists(chinese_text, min_size=1, max_size=8))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_utf8_bom_and_gb18030_decode_to_the_same_text(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("enc")
    # A header like a real export's: long GBK text is (almost) never valid UTF-8, but one or two
    # characters can be (住 in GB18030 is a valid UTF-8 sequence), so detection needs some text.
    text = "name,医保基金\n" + "\n".join(lines) + "\n"
    decoded = {}
    for label, data in {
        "utf-8": text.encode("utf-8"),
        "utf-8-sig": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "gb18030": text.encode("gb18030"),
    }.items():
        path = folder / f"{label}.csv"
        path.write_bytes(data)
        result = to_utf8(path, folder)
        decoded[label] = result.path.read_text(encoding="utf-8")
        assert result.bad_lines == []
    assert decoded["utf-8"] == decoded["utf-8-sig"] == text
    assert to_utf8(folder / "gb18030.csv", folder).encoding == "gb18030"
    assert decoded["gb18030"] == text


def test_undecodable_lines_are_reported_by_number(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("a\n好\n".encode() + b"\xff\xfe\n" + "末了\n".encode("gb18030"))
    result = to_utf8(path, tmp_path)
    assert result.encoding == "mixed"
    assert result.bad_lines == [3]
    assert result.path.read_text(encoding="utf-8").splitlines()[3] == "末了"


def test_line_scan_counts_physical_and_blank_lines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"h\r\n1\r\n\r\n2\n\n3")
    scan = scan_lines(path)
    assert scan.physical_lines == 6
    assert scan.blank_lines == [3, 5]
