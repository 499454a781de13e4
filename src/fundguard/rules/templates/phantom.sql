-- PHANTOM: surgery lines (med_chrgitm_type 06) on a visit with no oprn (procedure) row.
SELECT
    'PHA-P01' AS rule_code, l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code,
    l.bilg_dr_codg AS prac_psn_code,
    l.det_item_fee_sumamt AS amount,
    '收取手术费“' || l.item_name || '”，但本次就诊没有任何手术操作记录。' AS message,
    {{ d.json("'item'", "l.med_list_codg", "'med_chrgitm_type'", "l.med_chrgitm_type") }} AS evidence
FROM fg_line l
LEFT JOIN (SELECT DISTINCT mdtrt_id FROM oprn) o ON o.mdtrt_id = l.mdtrt_id
WHERE l.med_chrgitm_type = {{ lit(p.surgery_chrgitm_type) }} AND o.mdtrt_id IS NULL
