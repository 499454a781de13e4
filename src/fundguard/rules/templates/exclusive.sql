-- EXCLUSIVE: the secondary item (从项) is billed in the same window as its main item (主项) on the visit:
-- day = same date, visit = same visit, 6h = within six hours, hour = same clock hour.
SELECT
    s.rule_code, s.mdtrt_id, s.setl_id, s.feedetl_sn, s.psn_no, s.fixmedins_code,
    s.bilg_dr_codg AS prac_psn_code,
    s.det_item_fee_sumamt AS amount,
    '项目“' || s.item_name || '”已包含在同' || CASE s.k_period WHEN 'day' THEN '日' WHEN 'visit' THEN '次就诊'
        WHEN '6h' THEN '6小时内' ELSE '一小时' END || '收取的“' || s.k_main_name || '”中，不应另行收费。' AS message,
    {{ d.json("'item'", "s.med_list_codg", "'main_item'", "mn.med_list_codg", "'main_feedetl_sn'", "mn.feedetl_sn",
              "'period'", "s.k_period",
              "'source_file'", "s.k_source_file", "'source_row'", "s.k_source_row") }} AS evidence
FROM {{ match('k_exclusive') }} s
JOIN fg_line mn
  ON mn.mdtrt_id = s.mdtrt_id AND mn.feedetl_sn <> s.feedetl_sn
 AND substr(mn.med_list_codg, 1, length(s.k_main_code)) = s.k_main_code
 AND (s.k_match = 'prefix' OR mn.med_list_codg = s.k_main_code)
WHERE CASE s.k_period
        WHEN 'day' THEN s.fee_date = mn.fee_date
        WHEN 'visit' THEN TRUE
        WHEN '6h' THEN abs({{ d.seconds('mn.fee_ocur_time', 's.fee_ocur_time') }}) <= 21600
        ELSE {{ d.hour_bucket('mn.fee_ocur_time') }} = {{ d.hour_bucket('s.fee_ocur_time') }}
      END
