-- OTHER (V-24): the ordering practitioner (bilg_dr_codg) has no registration at the line's institution
-- in the practitioner master data (only when master data exist).
SELECT
    'OTH-P01' AS rule_code, l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code,
    l.bilg_dr_codg AS prac_psn_code,
    l.det_item_fee_sumamt AS amount,
    '开单医师' || l.bilg_dr_codg || '未在本机构（' || l.fixmedins_code || '）备案医保支付资格。' AS message,
    {{ d.json("'bilg_dr_codg'", "l.bilg_dr_codg", "'fixmedins_code'", "l.fixmedins_code") }} AS evidence
FROM fg_line l
LEFT JOIN (SELECT DISTINCT prac_psn_code, fixmedins_code FROM practitioner) pr
  ON pr.prac_psn_code = l.bilg_dr_codg AND pr.fixmedins_code = l.fixmedins_code
CROSS JOIN (SELECT count(*) AS n FROM practitioner) pc
WHERE l.bilg_dr_codg IS NOT NULL AND l.bilg_dr_codg <> '' AND pr.prac_psn_code IS NULL AND pc.n > 0
