-- AGE: the visit's age is outside the item's age group (新生儿: ≤ N days since birth when brdy is known).
SELECT
    m.rule_code, m.mdtrt_id, m.setl_id, m.feedetl_sn, m.psn_no, m.fixmedins_code,
    m.bilg_dr_codg AS prac_psn_code,
    m.det_item_fee_sumamt AS amount,
    '项目“' || m.item_name || '”限' || m.k_age_group || '（' || {{ d.str('g.min_age') }} || '–'
    || {{ d.str('g.max_age') }} || '岁）使用，但患者年龄为' || {{ d.str('m.age') }} || '岁。' AS message,
    {{ d.json("'item'", "m.med_list_codg", "'age'", "m.age", "'age_group'", "m.k_age_group",
              "'min_age'", "g.min_age", "'max_age'", "g.max_age",
              "'source_file'", "m.k_source_file", "'source_row'", "m.k_source_row") }} AS evidence
FROM {{ match('k_age') }} m
JOIN fg_age_group g ON g.grp = m.k_age_group
WHERE m.age IS NOT NULL
  AND CASE
        WHEN m.k_age_group = '新生儿' AND m.brdy IS NOT NULL
            THEN {{ d.days('m.brdy', 'm.fee_ocur_time') }} > {{ lit(p.newborn_max_days) }}
        ELSE m.age < g.min_age OR m.age > g.max_age
      END
