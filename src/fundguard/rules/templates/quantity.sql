-- QUANTITY: per visit and drug (generic name), lines dated N or more days after the drug's first fee date.
SELECT
    x.rule_code, x.mdtrt_id, x.setl_id, x.feedetl_sn, x.psn_no, x.fixmedins_code,
    x.bilg_dr_codg AS prac_psn_code,
    x.det_item_fee_sumamt AS amount,
    '药品“' || x.k_group || '”限支付' || {{ d.str('x.k_max_days') }} || '天，本次费用发生在首次用药后第'
    || {{ d.str(d.days('x.first_date', 'x.fee_date') ~ ' + 1') }} || '天。' AS message,
    {{ d.json("'item'", "x.med_list_codg", "'first_date'", d.str('x.first_date'), "'fee_date'", d.str('x.fee_date'),
              "'max_days'", "x.k_max_days",
              "'source_file'", "x.k_source_file", "'source_row'", "x.k_source_row") }} AS evidence
FROM (
    SELECT m.*, min(m.fee_date) OVER (PARTITION BY m.mdtrt_id, m.rule_code, m.k_group) AS first_date
    FROM {{ match('k_quantity') }} m
) x
WHERE {{ d.days('x.first_date', 'x.fee_date') }} > x.k_max_days - 1
