-- GENDER: an item restricted to one sex billed for a patient of the other (gend 1 男 / 2 女; 0/9 never fire).
SELECT
    m.rule_code, m.mdtrt_id, m.setl_id, m.feedetl_sn, m.psn_no, m.fixmedins_code,
    m.bilg_dr_codg AS prac_psn_code,
    m.det_item_fee_sumamt AS amount,
    '项目“' || m.item_name || '”限' || CASE WHEN m.k_allowed_gend = '1' THEN '男' ELSE '女' END
    || '性使用，但患者性别为' || CASE WHEN m.gend = '1' THEN '男' ELSE '女' END || '。' AS message,
    {{ d.json("'item'", "m.med_list_codg", "'gend'", "m.gend", "'allowed_gend'", "m.k_allowed_gend",
              "'source_file'", "m.k_source_file", "'source_row'", "m.k_source_row") }} AS evidence
FROM {{ match('k_gender') }} m
WHERE m.gend IN ('1', '2') AND m.gend <> m.k_allowed_gend
