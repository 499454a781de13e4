-- DEPARTMENT: neither the line's bilg_dept_name nor the visit's adm/dscg department matches the 专科限制 regex.
SELECT
    m.rule_code, m.mdtrt_id, m.setl_id, m.feedetl_sn, m.psn_no, m.fixmedins_code,
    m.bilg_dr_codg AS prac_psn_code,
    m.det_item_fee_sumamt AS amount,
    '项目“' || m.item_name || '”限' || m.k_pattern || '专科使用，但开单科室为“'
    || coalesce(m.bilg_dept_name, m.adm_dept_name, '未知') || '”。' AS message,
    {{ d.json("'item'", "m.med_list_codg", "'pattern'", "m.k_pattern", "'bilg_dept_name'", "m.bilg_dept_name",
              "'adm_dept_name'", "m.adm_dept_name", "'dscg_dept_name'", "m.dscg_dept_name",
              "'source_file'", "m.k_source_file", "'source_row'", "m.k_source_row") }} AS evidence
FROM {{ match('k_department') }} m
WHERE NOT {{ d.rx('m.bilg_dept_name', 'm.k_pattern') }}
  AND NOT {{ d.rx('m.adm_dept_name', 'm.k_pattern') }}
  AND NOT {{ d.rx('m.dscg_dept_name', 'm.k_pattern') }}
