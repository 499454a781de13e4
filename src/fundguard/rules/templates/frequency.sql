-- FREQUENCY: units of the item per patient within the window (1 day, or a rolling D-day window) above N.
-- Lines are taken in fee time order; the line that pushes the running total over N (and every later
-- one) is flagged, with amount = its excess units × pric.
WITH m AS (SELECT * FROM {{ match('k_frequency') }}),
w AS (
    SELECT a.rule_code, a.feedetl_sn, a.k_source_row, sum(b.cnt) AS running_units
    FROM m a
    JOIN m b
      ON b.psn_no = a.psn_no AND b.rule_code = a.rule_code AND b.k_source_row = a.k_source_row
     AND {{ d.days('b.fee_date', 'a.fee_date') }} BETWEEN 0 AND a.k_window_days - 1
     AND (b.fee_ocur_time < a.fee_ocur_time OR (b.fee_ocur_time = a.fee_ocur_time AND b.feedetl_sn <= a.feedetl_sn))
    GROUP BY a.rule_code, a.feedetl_sn, a.k_source_row
)
SELECT
    m.rule_code, m.mdtrt_id, m.setl_id, m.feedetl_sn, m.psn_no, m.fixmedins_code,
    m.bilg_dr_codg AS prac_psn_code,
    round(least(m.cnt, w.running_units - m.k_max_units) * m.pric, 2) AS amount,
    '项目“' || m.item_name || '”' || CASE WHEN m.k_window_days = 1 THEN '每日' ELSE {{ d.str('m.k_window_days') }} || '天内' END
    || '限' || {{ d.str('m.k_max_units') }} || '次（单位），累计已达' || {{ d.str('CAST(w.running_units AS DECIMAL(18,2))') }} || '。' AS message,
    {{ d.json("'item'", "m.med_list_codg", "'running_units'", "w.running_units", "'max_units'", "m.k_max_units",
              "'window_days'", "m.k_window_days", "'excess_units'", "least(m.cnt, w.running_units - m.k_max_units)",
              "'source_file'", "m.k_source_file", "'source_row'", "m.k_source_row") }} AS evidence
FROM m
JOIN w ON w.rule_code = m.rule_code AND w.feedetl_sn = m.feedetl_sn AND w.k_source_row = m.k_source_row
WHERE w.running_units > m.k_max_units
