-- ADD_ON: a surcharge line (从项) on a visit with no line of its main item (主项).
SELECT
    s.rule_code, s.mdtrt_id, s.setl_id, s.feedetl_sn, s.psn_no, s.fixmedins_code,
    s.bilg_dr_codg AS prac_psn_code,
    s.det_item_fee_sumamt AS amount,
    '加收项目“' || s.item_name || '”所依附的主项目“' || s.k_main_name || '”在本次就诊中未收费。' AS message,
    {{ d.json("'item'", "s.med_list_codg", "'main_code'", "s.k_main_code",
              "'source_file'", "s.k_source_file", "'source_row'", "s.k_source_row") }} AS evidence
FROM {{ match('k_add_on') }} s
LEFT JOIN fg_line mn
  ON mn.mdtrt_id = s.mdtrt_id AND mn.feedetl_sn <> s.feedetl_sn
 AND substr(mn.med_list_codg, 1, length(s.k_main_code)) = s.k_main_code
WHERE mn.feedetl_sn IS NULL
