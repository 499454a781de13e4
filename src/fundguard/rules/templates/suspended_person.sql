-- SUSPENDED_PERSON: a line ordered (bilg_dr_codg) by a practitioner suspended/terminated on the fee date,
-- (end_date exclusive, as scoring.service.suspension_periods returns it) unless the visit is an emergency (scoring.emergency_*: med_type, department or rescue item).
-- The emergency test (three regexes per line) runs only over the visits that have such a line.
WITH hit AS (
    SELECT l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code, l.bilg_dr_codg, l.det_item_fee_sumamt,
        l.fee_date, s.kind, s.start_date, s.end_date
    FROM fg_line l
    JOIN suspension s
      ON s.prac_psn_code = l.bilg_dr_codg AND l.fee_date >= s.start_date AND (s.end_date IS NULL OR l.fee_date < s.end_date)
),
emerg AS (
    SELECT l.mdtrt_id,
        max(CASE WHEN l.med_type IN ({{ lit(p.emergency_med_types) }})
                   OR {{ d.rx('l.adm_dept_name', lit(p.emergency_dept_pattern)) }}
                   OR {{ d.rx('l.bilg_dept_name', lit(p.emergency_dept_pattern)) }}
                   OR {{ d.rx('l.item_name', lit(p.rescue_item_pattern)) }}
                 THEN 1 ELSE 0 END) AS is_emergency
    FROM fg_line l
    WHERE l.mdtrt_id IN (SELECT mdtrt_id FROM hit)
    GROUP BY l.mdtrt_id
)
SELECT
    'SUS-P01' AS rule_code, l.mdtrt_id, l.setl_id, l.feedetl_sn, l.psn_no, l.fixmedins_code,
    l.bilg_dr_codg AS prac_psn_code,
    l.det_item_fee_sumamt AS amount,
    '开单医师' || l.bilg_dr_codg || '在' || {{ d.str('l.fee_date') }} || '处于医保支付资格'
    || CASE WHEN l.kind IN ('termination', 'terminated') THEN '终止' ELSE '暂停' END || '期间。' AS message,
    {{ d.json("'kind'", "l.kind", "'start_date'", d.str('l.start_date'), "'end_date'", d.str('l.end_date'),
              "'fee_date'", d.str('l.fee_date')) }} AS evidence
FROM hit l
JOIN emerg e ON e.mdtrt_id = l.mdtrt_id
WHERE NOT (e.is_emergency = 1 AND (
    (l.kind IN ('termination', 'terminated') AND {{ lit(p.emergency_exempt_termination) }})
    OR (l.kind NOT IN ('termination', 'terminated') AND {{ lit(p.emergency_exempt_suspension) }})
))
