"""Purchase–sale–stock reconciliation (进销存) and traceability codes (追溯码).

Stock equation per institution, item and stock-take interval: the interval ends at a stock-take
(盘存) and starts at the previous one (``pharmacy.stock_take_time`` says whether a count is taken
before or after the day's purchases and sales) (its count is the opening stock, 期初库存; with no earlier
stock-take the opening is 0 and ``opening_known`` is false). Within the interval: purchases (进货),
insured sales (医保销售, ``fee_list`` lines of the institution) and non-insured sales (非医保销售).

    expected_closing = opening + purchases − insured_sales − noninsured_sales
    gap_units        = closing_stocktake − expected_closing

A positive gap means more was recorded as sold than the stock can explain (sales without goods:
the typical 虚假销售 pattern); a negative gap means goods went missing. ``gap_amount`` values the
gap at the item's average insured sale price in the interval (else its purchase price). The month
of the interval is the month of its closing stock-take (``rule.stock_period`` = month). The first
stock-take of an item only opens the books: its interval is listed but never a mismatch.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from fundguard.profiles import get_profile


def stock_equation(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    prof = get_profile()
    tol = float(prof["rule.stock_tolerance_units"])
    # start_of_day: the count is taken before the day's purchases and sales (they belong to the
    # next interval); end_of_day: after them.
    before, after = ("<", ">=") if prof["pharmacy.stock_take_time"] == "start_of_day" else ("<=", ">")
    return (
        con.execute(f"""
        WITH st AS (
            SELECT fixmedins_code, med_list_codg, stock_date, sum(cnt)::DOUBLE AS closing
            FROM stock GROUP BY ALL
        ), iv AS (
            SELECT *, lag(stock_date) OVER w AS prev_date, lag(closing) OVER w AS opening
            FROM st WINDOW w AS (PARTITION BY fixmedins_code, med_list_codg ORDER BY stock_date)
        ), pu AS (
            SELECT iv.fixmedins_code, iv.med_list_codg, iv.stock_date, sum(p.cnt)::DOUBLE AS purchases,
                   sum(p.cnt * p.pric)::DOUBLE / nullif(sum(p.cnt), 0) AS purchase_price
            FROM iv JOIN purchase p ON p.fixmedins_code = iv.fixmedins_code AND p.med_list_codg = iv.med_list_codg
             AND p.purc_date {before} iv.stock_date AND (iv.prev_date IS NULL OR p.purc_date {after} iv.prev_date)
            GROUP BY ALL
        ), si AS (
            SELECT iv.fixmedins_code, iv.med_list_codg, iv.stock_date, sum(l.cnt)::DOUBLE AS insured_sales,
                   sum(l.det_item_fee_sumamt)::DOUBLE / nullif(sum(l.cnt), 0) AS sale_price
            FROM iv JOIN fee_list l ON l.fixmedins_code = iv.fixmedins_code AND l.med_list_codg = iv.med_list_codg
             AND l.fee_ocur_time::DATE {before} iv.stock_date
             AND (iv.prev_date IS NULL OR l.fee_ocur_time::DATE {after} iv.prev_date)
            GROUP BY ALL
        ), sn AS (
            SELECT iv.fixmedins_code, iv.med_list_codg, iv.stock_date, sum(n.cnt)::DOUBLE AS noninsured_sales
            FROM iv JOIN sale_nonins n ON n.fixmedins_code = iv.fixmedins_code
             AND n.med_list_codg = iv.med_list_codg AND n.sale_time::DATE {before} iv.stock_date
             AND (iv.prev_date IS NULL OR n.sale_time::DATE {after} iv.prev_date)
            GROUP BY ALL
        )
        SELECT iv.fixmedins_code, iv.med_list_codg, strftime(iv.stock_date, '%Y-%m') AS period,
               iv.prev_date AS from_date, iv.stock_date AS to_date,
               iv.opening IS NOT NULL AS opening_known, coalesce(iv.opening, 0) AS opening,
               coalesce(pu.purchases, 0) AS purchases, coalesce(si.insured_sales, 0) AS insured_sales,
               coalesce(sn.noninsured_sales, 0) AS noninsured_sales,
               coalesce(iv.opening, 0) + coalesce(pu.purchases, 0) - coalesce(si.insured_sales, 0)
                 - coalesce(sn.noninsured_sales, 0) AS expected_closing,
               iv.closing AS closing_stocktake,
               iv.closing - (coalesce(iv.opening, 0) + coalesce(pu.purchases, 0) - coalesce(si.insured_sales, 0)
                 - coalesce(sn.noninsured_sales, 0)) AS gap_units,
               coalesce(si.sale_price, pu.purchase_price, 0) AS unit_price
        FROM iv
        LEFT JOIN pu USING (fixmedins_code, med_list_codg, stock_date)
        LEFT JOIN si USING (fixmedins_code, med_list_codg, stock_date)
        LEFT JOIN sn USING (fixmedins_code, med_list_codg, stock_date)
        WHERE iv.prev_date IS NOT NULL OR pu.purchases IS NOT NULL OR si.insured_sales IS NOT NULL
    """)
        .df()
        .assign(
            gap_amount=lambda d: (d["gap_units"] * d["unit_price"]).round(2),
            mismatch=lambda d: d["opening_known"] & (d["gap_units"].abs() > tol),
        )
    )


def duplicate_trace_codes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Trace codes sold more than once (一码多销), within one pharmacy or across pharmacies."""
    return con.execute("""
        WITH t AS (
            SELECT t.drug_trac_codg, t.feedetl_sn,
                   coalesce(l.fixmedins_code, t.fixmedins_code) AS fixmedins_code,
                   l.med_list_codg, l.det_item_fee_sumamt::DOUBLE AS amount, l.fee_ocur_time
            FROM trace t LEFT JOIN fee_list l ON l.feedetl_sn = t.feedetl_sn
            WHERE coalesce(l.cnt, 1) > 0
        )
        SELECT drug_trac_codg, count(DISTINCT feedetl_sn) AS times_sold,
               count(DISTINCT fixmedins_code) AS pharmacies, count(DISTINCT fixmedins_code) > 1 AS cross_pharmacy,
               list(DISTINCT fixmedins_code ORDER BY fixmedins_code) AS fixmedins_codes,
               list(feedetl_sn ORDER BY fee_ocur_time, feedetl_sn) AS feedetl_sns,
               sum(amount) AS amount
        FROM t GROUP BY drug_trac_codg HAVING count(DISTINCT feedetl_sn) > 1
        ORDER BY times_sold DESC, drug_trac_codg
    """).df()


def unmatched_flows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Items purchased but never sold (有进无销) and sold but never purchased nor in stock (有销无进)."""
    return con.execute("""
        WITH p AS (SELECT fixmedins_code, med_list_codg, sum(cnt)::DOUBLE AS purchased FROM purchase GROUP BY ALL),
        s AS (
            SELECT fixmedins_code, med_list_codg, sum(cnt)::DOUBLE AS sold FROM (
                SELECT l.fixmedins_code, l.med_list_codg, l.cnt FROM fee_list l
                WHERE (l.fixmedins_code, l.med_list_codg) IN (SELECT fixmedins_code, med_list_codg FROM purchase
                       UNION SELECT fixmedins_code, med_list_codg FROM stock)
                   OR l.fixmedins_code IN (SELECT fixmedins_code FROM fixmedins WHERE fixmedins_type = '2')
                UNION ALL SELECT fixmedins_code, med_list_codg, cnt FROM sale_nonins
            ) GROUP BY ALL
        ),
        k AS (SELECT fixmedins_code, med_list_codg, max(cnt)::DOUBLE AS max_stock FROM stock GROUP BY ALL)
        SELECT coalesce(p.fixmedins_code, s.fixmedins_code) AS fixmedins_code,
               coalesce(p.med_list_codg, s.med_list_codg) AS med_list_codg,
               coalesce(p.purchased, 0) AS purchased, coalesce(s.sold, 0) AS sold,
               CASE WHEN coalesce(s.sold, 0) = 0 THEN 'PURCHASE_NO_SALE' ELSE 'SALE_NO_PURCHASE' END AS kind
        FROM p FULL JOIN s ON p.fixmedins_code = s.fixmedins_code AND p.med_list_codg = s.med_list_codg
        LEFT JOIN k ON k.fixmedins_code = coalesce(p.fixmedins_code, s.fixmedins_code)
               AND k.med_list_codg = coalesce(p.med_list_codg, s.med_list_codg)
        WHERE (coalesce(p.purchased, 0) > 0 AND coalesce(s.sold, 0) = 0)
           OR (coalesce(s.sold, 0) > 0 AND coalesce(p.purchased, 0) = 0 AND coalesce(k.max_stock, 0) = 0)
        ORDER BY 1, 2
    """).df()


def sales_over_purchases(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per pharmacy: units sold (insured + non-insured) beyond units purchased over the whole extract,
    summed over items that were purchased at least once or stock-taken (销大于进)."""
    return con.execute("""
        WITH items AS (SELECT DISTINCT fixmedins_code, med_list_codg FROM purchase
                       UNION SELECT DISTINCT fixmedins_code, med_list_codg FROM stock),
        p AS (SELECT fixmedins_code, med_list_codg, sum(cnt)::DOUBLE AS bought FROM purchase GROUP BY ALL),
        s AS (
            SELECT fixmedins_code, med_list_codg, sum(cnt)::DOUBLE AS sold FROM (
                SELECT fixmedins_code, med_list_codg, cnt FROM fee_list
                UNION ALL SELECT fixmedins_code, med_list_codg, cnt FROM sale_nonins
            ) JOIN items USING (fixmedins_code, med_list_codg) GROUP BY ALL
        )
        SELECT s.fixmedins_code, sum(greatest(s.sold - coalesce(p.bought, 0), 0)) AS excess_units,
               sum(s.sold) AS sold, sum(coalesce(p.bought, 0)) AS bought
        FROM s LEFT JOIN p USING (fixmedins_code, med_list_codg) GROUP BY s.fixmedins_code
    """).df()


def duplicate_trace_amounts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per institution: sales lines that reuse a trace code already sold earlier (the later sales,
    in fee time order, any pharmacy) — count and amount."""
    return con.execute("""
        WITH t AS (
            SELECT t.drug_trac_codg, t.feedetl_sn, l.fixmedins_code,
                   l.det_item_fee_sumamt::DOUBLE AS amount,
                   row_number() OVER (PARTITION BY t.drug_trac_codg ORDER BY l.fee_ocur_time, t.feedetl_sn) AS n
            FROM trace t JOIN fee_list l ON l.feedetl_sn = t.feedetl_sn
            WHERE coalesce(l.cnt, 1) > 0
        )
        SELECT fixmedins_code, count(*) AS duplicate_trace_lines, sum(amount) AS duplicate_trace_amount
        FROM t WHERE n > 1 GROUP BY fixmedins_code
    """).df()


def pharmacy_signals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per institution with purchase/stock books: positive stock gap (units, yuan), duplicate trace
    codes (count, later sales and their amount), items sold but never purchased (and items sold),
    units sold beyond purchases (and units sold)."""
    eq = stock_equation(con)
    gaps = (
        eq[eq["mismatch"] & (eq["gap_units"] > 0)]
        .groupby("fixmedins_code")
        .agg(stock_gap_units=("gap_units", "sum"), stock_gap_amount=("gap_amount", "sum"))
    )
    dup = duplicate_trace_codes(con)
    dup_n = dup.explode("fixmedins_codes").groupby("fixmedins_codes").size().rename("duplicate_trace_codes")
    dup_amount = duplicate_trace_amounts(con).set_index("fixmedins_code")
    un = unmatched_flows(con)
    un_n = (
        un[un["kind"] == "SALE_NO_PURCHASE"].groupby("fixmedins_code").size().rename("sale_no_purchase_items")
    )
    items = (
        con.execute("""
        SELECT fixmedins_code, count(DISTINCT med_list_codg) AS items_sold FROM (
            SELECT fixmedins_code, med_list_codg FROM fee_list
            UNION ALL SELECT fixmedins_code, med_list_codg FROM sale_nonins
        ) WHERE fixmedins_code IN (SELECT fixmedins_code FROM purchase UNION SELECT fixmedins_code FROM stock)
           OR fixmedins_code IN (SELECT fixmedins_code FROM fixmedins WHERE fixmedins_type = '2')
        GROUP BY fixmedins_code
    """)
        .df()
        .set_index("fixmedins_code")["items_sold"]
    )
    sop = sales_over_purchases(con).set_index("fixmedins_code")
    over = sop["excess_units"].rename("sales_over_purchases")
    sold = sop["sold"].rename("units_sold")
    out = pd.concat([gaps, dup_n, dup_amount, un_n, items, over, sold], axis=1)
    out = out.fillna(0.0)
    out.index.name = "fixmedins_code"
    return out.reset_index()
