-- OVERUSE: per patient and item, lines beyond N in the ISO week (Monday start) or calendar month.
SELECT
    x.rule_code, x.mdtrt_id, x.setl_id, x.feedetl_sn, x.psn_no, x.fixmedins_code,
    x.bilg_dr_codg AS prac_psn_code,
    x.det_item_fee_sumamt AS amount,
    '项目“' || x.item_name || '”' || CASE WHEN x.k_period = 'week' THEN '每周' ELSE '每月' END || '限'
    || {{ d.str('x.k_max_count') }} || '次，本次为该周期第' || {{ d.str('x.n') }} || '次。' AS message,
    {{ d.json("'item'", "x.med_list_codg", "'period'", "x.k_period", "'period_start'", d.str('x.period_start'),
              "'nth'", "x.n", "'max_count'", "x.k_max_count",
              "'source_file'", "x.k_source_file", "'source_row'", "x.k_source_row") }} AS evidence
FROM (
    SELECT y.*, row_number() OVER (
        PARTITION BY y.psn_no, y.rule_code, y.k_source_row, y.period_start ORDER BY y.fee_ocur_time, y.feedetl_sn
    ) AS n
    FROM (
        SELECT m.*, CASE WHEN m.k_period = 'week' THEN {{ d.week_start('m.fee_ocur_time') }}
                         ELSE {{ d.month_start('m.fee_ocur_time') }} END AS period_start
        FROM {{ match('k_overuse') }} m
    ) y
) x
WHERE x.n > x.k_max_count
