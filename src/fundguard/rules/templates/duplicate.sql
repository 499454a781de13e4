-- DUPLICATE: lines of one visit with the same item, fee time, count and price: every line after the first.
SELECT
    'DUP-P01' AS rule_code, x.mdtrt_id, x.setl_id, x.feedetl_sn, x.psn_no, x.fixmedins_code,
    x.bilg_dr_codg AS prac_psn_code,
    x.det_item_fee_sumamt AS amount,
    '项目“' || x.item_name || '”在同一时间以相同数量和单价重复收费（第' || {{ d.str('x.n') }} || '条）。' AS message,
    {{ d.json("'item'", "x.med_list_codg", "'fee_ocur_time'", d.str('x.fee_ocur_time'), "'first_feedetl_sn'", "x.first_sn",
              "'nth'", "x.n") }} AS evidence
FROM (
    SELECT l.*,
        row_number() OVER (PARTITION BY l.mdtrt_id, l.med_list_codg, l.fee_ocur_time, l.cnt, l.pric ORDER BY l.feedetl_sn) AS n,
        min(l.feedetl_sn) OVER (PARTITION BY l.mdtrt_id, l.med_list_codg, l.fee_ocur_time, l.cnt, l.pric) AS first_sn
    FROM fg_line l
) x
WHERE x.n > 1
