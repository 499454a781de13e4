-- STOCK: per pharmacy, item and calendar month, insured + non-insured units above opening stock (last
-- stock-take at or before the month start, else 0) + purchases in the month. One finding per
-- (pharmacy, item, month) on the month's last insured line; amount = excess units × average insured pric.
WITH lines AS (
    SELECT l.*, {{ d.month_start('l.fee_ocur_time') }} AS ym
    FROM fg_line l
    WHERE l.fixmedins_type = {{ lit(p.pharmacy_type) }}
),
ins AS (
    SELECT fixmedins_code, med_list_codg, ym, sum(cnt) AS ins_units, sum(pric) AS sum_pric, count(*) AS n_lines
    FROM lines
    GROUP BY fixmedins_code, med_list_codg, ym
),
non AS (
    SELECT fixmedins_code, med_list_codg, {{ d.month_start('sale_time') }} AS ym, sum(cnt) AS units
    FROM sale_nonins
    GROUP BY fixmedins_code, med_list_codg, {{ d.month_start('sale_time') }}
),
pur AS (
    SELECT fixmedins_code, med_list_codg, {{ d.month_start('purc_date') }} AS ym, sum(cnt) AS units
    FROM purchase
    GROUP BY fixmedins_code, med_list_codg, {{ d.month_start('purc_date') }}
),
opening AS (
    SELECT * FROM (
        SELECT i.fixmedins_code, i.med_list_codg, i.ym, s.cnt, s.stock_date,
            row_number() OVER (PARTITION BY i.fixmedins_code, i.med_list_codg, i.ym ORDER BY s.stock_date DESC) AS n
        FROM ins i
        JOIN stock s ON s.fixmedins_code = i.fixmedins_code AND s.med_list_codg = i.med_list_codg AND s.stock_date <= i.ym
    ) o WHERE o.n = 1
),
bal AS (
    SELECT i.*, coalesce(n.units, 0) AS non_units, coalesce(pu.units, 0) AS pur_units, coalesce(o.cnt, 0) AS open_units,
        i.ins_units + coalesce(n.units, 0) - coalesce(o.cnt, 0) - coalesce(pu.units, 0) AS excess
    FROM ins i
    LEFT JOIN non n ON n.fixmedins_code = i.fixmedins_code AND n.med_list_codg = i.med_list_codg AND n.ym = i.ym
    LEFT JOIN pur pu ON pu.fixmedins_code = i.fixmedins_code AND pu.med_list_codg = i.med_list_codg AND pu.ym = i.ym
    LEFT JOIN opening o ON o.fixmedins_code = i.fixmedins_code AND o.med_list_codg = i.med_list_codg AND o.ym = i.ym
),
last_line AS (
    SELECT * FROM (
        SELECT lines.*, row_number() OVER (
            PARTITION BY fixmedins_code, med_list_codg, ym ORDER BY fee_ocur_time DESC, feedetl_sn DESC
        ) AS n
        FROM lines
    ) x WHERE x.n = 1
)
SELECT
    'STK-P01' AS rule_code, l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code,
    l.bilg_dr_codg AS prac_psn_code,
    round(CAST(b.excess * b.sum_pric AS DOUBLE) / b.n_lines, 2) AS amount,
    '药品“' || l.item_name || '”' || {{ d.str('b.ym') }} || '月销售' || {{ d.str('CAST(b.ins_units + b.non_units AS DECIMAL(18,2))') }}
    || '，超过期初库存与当月进货之和' || {{ d.str('CAST(b.open_units + b.pur_units AS DECIMAL(18,2))') }} || '。' AS message,
    {{ d.json("'month'", d.str('b.ym'), "'insured_units'", "b.ins_units", "'noninsured_units'", "b.non_units",
              "'opening_units'", "b.open_units", "'purchased_units'", "b.pur_units", "'excess_units'", "b.excess") }} AS evidence
FROM bal b
JOIN last_line l ON l.fixmedins_code = b.fixmedins_code AND l.med_list_codg = b.med_list_codg AND l.ym = b.ym
WHERE b.excess > {{ lit(p.stock_tolerance) }}
