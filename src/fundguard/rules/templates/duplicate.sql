-- DUPLICATE: lines of one visit with the same item, fee time, count and price: every line after the first.
-- Duplicates are rare: candidate lines are those whose key hash occurs more than once (a cheap
-- aggregate on one 64-bit column), and only they are windowed, so 10 M lines are never sorted.
-- A hash collision only adds candidates; the window on the exact key decides.
WITH dup_hash AS (
    SELECT {{ d.hash('l.mdtrt_id', 'l.med_list_codg', 'l.fee_ocur_time', 'l.cnt', 'l.pric') }} AS h
    FROM fg_line l
    GROUP BY {{ d.hash('l.mdtrt_id', 'l.med_list_codg', 'l.fee_ocur_time', 'l.cnt', 'l.pric') }}
    HAVING count(*) > 1
),
cand AS (
    SELECT l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code, l.bilg_dr_codg, l.det_item_fee_sumamt,
        l.item_name, l.med_list_codg, l.fee_ocur_time, l.cnt, l.pric
    FROM fg_line l
    JOIN dup_hash dh ON dh.h = {{ d.hash('l.mdtrt_id', 'l.med_list_codg', 'l.fee_ocur_time', 'l.cnt', 'l.pric') }}
)
SELECT
    'DUP-P01' AS rule_code, x.mdtrt_id, x.setl_id, x.feedetl_sn, x.psn_no, x.fixmedins_code,
    x.bilg_dr_codg AS prac_psn_code,
    x.det_item_fee_sumamt AS amount,
    '项目“' || x.item_name || '”在同一时间以相同数量和单价重复收费（第' || {{ d.str('x.n') }} || '条）。' AS message,
    {{ d.json("'item'", "x.med_list_codg", "'fee_ocur_time'", d.str('x.fee_ocur_time'), "'first_feedetl_sn'", "x.first_sn",
              "'nth'", "x.n") }} AS evidence
FROM (
    SELECT c.*,
        row_number() OVER (PARTITION BY c.mdtrt_id, c.med_list_codg, c.fee_ocur_time, c.cnt, c.pric ORDER BY c.feedetl_sn) AS n,
        min(c.feedetl_sn) OVER (PARTITION BY c.mdtrt_id, c.med_list_codg, c.fee_ocur_time, c.cnt, c.pric) AS first_sn
    FROM cand c
) x
WHERE x.n > 1
