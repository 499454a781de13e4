-- HOSP_LEVEL: the institution's level rank (hosp_lv → profile rule.hosp_level_rank) is below the required one.
SELECT
    m.rule_code, m.mdtrt_id, m.setl_id, m.feedetl_sn, m.psn_no, m.fixmedins_code,
    m.bilg_dr_codg AS prac_psn_code,
    m.det_item_fee_sumamt AS amount,
    '项目“' || m.item_name || '”限' || CASE m.k_min_rank WHEN 3 THEN '三级' WHEN 2 THEN '二级' ELSE '一级' END
    || '及以上医疗机构使用，但本机构等级代码为' || m.hosp_lv || '。' AS message,
    {{ d.json("'item'", "m.med_list_codg", "'hosp_lv'", "m.hosp_lv", "'rank'", "hr.rank",
              "'min_rank'", "m.k_min_rank",
              "'source_file'", "m.k_source_file", "'source_row'", "m.k_source_row") }} AS evidence
FROM {{ match('k_hosp_level') }} m
JOIN fg_hosp_rank hr ON hr.hosp_lv = m.hosp_lv
WHERE hr.rank < m.k_min_rank
