-- PRICE: unit price above the ceiling (catalog pric_uplmt_amt, else the line's own) by more than the tolerance.
SELECT
    'PRC-P01' AS rule_code, x.mdtrt_id, x.setl_id, x.feedetl_sn, x.psn_no, x.fixmedins_code,
    x.bilg_dr_codg AS prac_psn_code,
    round((x.pric - x.ceiling) * x.cnt, 2) AS amount,
    '项目“' || x.item_name || '”单价' || {{ d.str('x.pric') }} || '元，超过最高限价' || {{ d.str('x.ceiling') }} || '元。' AS message,
    {{ d.json("'item'", "x.med_list_codg", "'pric'", "x.pric", "'ceiling'", "x.ceiling", "'cnt'", "x.cnt") }} AS evidence
FROM (
    SELECT l.*, coalesce(c.pric_uplmt_amt, l.pric_uplmt_amt) AS ceiling
    FROM fg_line l
    LEFT JOIN catalog c ON c.med_list_codg = l.med_list_codg
) x
WHERE x.ceiling IS NOT NULL AND x.pric > x.ceiling + {{ lit(p.price_tolerance) }}
