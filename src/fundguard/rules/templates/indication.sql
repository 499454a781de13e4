-- INDICATION: no diagnosis of the visit (diag.diag_name, mdtrt.dscg_maindiag_name) matches the item's 疾病限制 regex.
SELECT
    m.rule_code, m.mdtrt_id, max(m.setl_id) AS setl_id, m.feedetl_sn, max(m.psn_no) AS psn_no,
    max(m.fixmedins_code) AS fixmedins_code, max(m.bilg_dr_codg) AS prac_psn_code,
    max(m.det_item_fee_sumamt) AS amount,
    '项目“' || max(m.item_name) || '”限' || max(m.k_pattern) || '相关诊断使用，但本次就诊无符合的诊断。' AS message,
    {{ d.json("'item'", "max(m.med_list_codg)", "'pattern'", "max(m.k_pattern)",
              "'main_diag'", "max(m.dscg_maindiag_name)",
              "'source_file'", "max(m.k_source_file)", "'source_row'", "max(m.k_source_row)") }} AS evidence
FROM {{ match('k_indication') }} m
LEFT JOIN diag dg ON dg.mdtrt_id = m.mdtrt_id
GROUP BY m.rule_code, m.mdtrt_id, m.feedetl_sn, m.k_source_file, m.k_source_row
HAVING max(CASE WHEN {{ d.rx('m.dscg_maindiag_name', 'm.k_pattern') }} OR {{ d.rx('dg.diag_name', 'm.k_pattern') }}
                THEN 1 ELSE 0 END) = 0
