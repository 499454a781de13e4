-- MED_TYPE: an inpatient-only item on a visit that is not inpatient (or an outpatient-only item on an inpatient visit).
SELECT
    m.rule_code, m.mdtrt_id, m.setl_id, m.feedetl_sn, m.psn_no, m.fixmedins_code,
    m.bilg_dr_codg AS prac_psn_code,
    m.det_item_fee_sumamt AS amount,
    '项目“' || m.item_name || '”限' || CASE WHEN m.k_setting = 'inpatient' THEN '住院' ELSE '门诊' END
    || '使用，但本次就诊类型为' || coalesce(m.med_type, '未知') || '。' AS message,
    {{ d.json("'item'", "m.med_list_codg", "'med_type'", "m.med_type", "'setting'", "m.k_setting",
              "'source_file'", "m.k_source_file", "'source_row'", "m.k_source_row") }} AS evidence
FROM {{ match('k_med_type') }} m
WHERE (m.k_setting = 'inpatient' AND m.is_inpatient = 0)
   OR (m.k_setting = 'outpatient' AND m.is_inpatient = 1)
