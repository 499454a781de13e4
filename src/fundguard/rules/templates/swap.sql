-- SWAP: at a retail pharmacy, drug lines of an item it never purchased while it did purchase items that
-- are not in the catalog (what was sold was probably one of those, billed as a listed drug).
SELECT
    'SWP-P01' AS rule_code, l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code,
    l.bilg_dr_codg AS prac_psn_code,
    l.det_item_fee_sumamt AS amount,
    '药店从未进货药品“' || l.item_name || '”却医保销售，同时进货了目录外商品，疑似串换。' AS message,
    {{ d.json("'item'", "l.med_list_codg", "'offlist_purchased_items'", "off.n_items") }} AS evidence
FROM fg_line l
LEFT JOIN (SELECT DISTINCT fixmedins_code, med_list_codg FROM purchase) pu
  ON pu.fixmedins_code = l.fixmedins_code AND pu.med_list_codg = l.med_list_codg
JOIN (
    SELECT p.fixmedins_code, count(DISTINCT p.med_list_codg) AS n_items
    FROM purchase p
    LEFT JOIN catalog c ON c.med_list_codg = p.med_list_codg
    CROSS JOIN (SELECT count(*) AS n FROM catalog) cc
    WHERE c.med_list_codg IS NULL AND cc.n > 0
    GROUP BY p.fixmedins_code
) off ON off.fixmedins_code = l.fixmedins_code
WHERE l.fixmedins_type = {{ lit(p.pharmacy_type) }}
  AND substr(l.med_list_codg, 1, 1) IN ('X', 'Z')
  AND pu.med_list_codg IS NULL
