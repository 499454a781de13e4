-- TRACE_CODE (a) TRC-P01: a drug trace code already sold on an earlier line (scan/fee time order, any
-- institution): the later line. (b) TRC-P02: a drug line (X/Z) at a retail pharmacy on or after the
-- enforcement date with no trace row.
SELECT
    'TRC-P01' AS rule_code, l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code,
    l.bilg_dr_codg AS prac_psn_code,
    l.det_item_fee_sumamt AS amount,
    '药品追溯码' || x.drug_trac_codg || '已在费用明细' || x.first_sn || '中销售过，重复销售。' AS message,
    {{ d.json("'drug_trac_codg'", "x.drug_trac_codg", "'first_feedetl_sn'", "x.first_sn", "'nth'", "x.n") }} AS evidence
FROM (
    SELECT t.drug_trac_codg, t.feedetl_sn,
        row_number() OVER (PARTITION BY t.drug_trac_codg ORDER BY coalesce(t.scan_time, f.fee_ocur_time), t.feedetl_sn) AS n,
        first_value(t.feedetl_sn) OVER (
            PARTITION BY t.drug_trac_codg ORDER BY coalesce(t.scan_time, f.fee_ocur_time), t.feedetl_sn
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS first_sn
    FROM trace t
    JOIN fee_list f ON f.feedetl_sn = t.feedetl_sn
    -- only codes scanned more than once can repeat: the window sorts those rows, not the whole table
    WHERE t.drug_trac_codg IS NULL
       OR t.drug_trac_codg IN (SELECT drug_trac_codg FROM trace GROUP BY drug_trac_codg HAVING count(*) > 1)
) x
JOIN fg_line l ON l.feedetl_sn = x.feedetl_sn
WHERE x.n > 1
UNION ALL
SELECT
    'TRC-P02' AS rule_code, l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code,
    l.bilg_dr_codg AS prac_psn_code,
    l.det_item_fee_sumamt AS amount,
    '药店销售药品“' || l.item_name || '”未上传药品追溯码。' AS message,
    {{ d.json("'item'", "l.med_list_codg", "'fee_date'", d.str('l.fee_date'),
              "'enforce_from'", d.str(lit(p.trace_enforce_from))) }} AS evidence
FROM fg_line l
LEFT JOIN (SELECT DISTINCT feedetl_sn FROM trace) t ON t.feedetl_sn = l.feedetl_sn
WHERE t.feedetl_sn IS NULL
  AND l.fixmedins_type = {{ lit(p.pharmacy_type) }}
  AND substr(l.med_list_codg, 1, 1) IN ('X', 'Z')
  AND l.fee_date >= {{ lit(p.trace_enforce_from) }}
