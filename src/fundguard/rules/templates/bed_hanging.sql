-- BED_HANGING: an inpatient visit with ≥ N consecutive days whose only lines are bed/nursing (idle) charges;
-- amount = the lines on those days.
WITH dl AS (
    SELECT l.mdtrt_id, l.fee_date,
        max(CASE WHEN l.med_chrgitm_type IN ({{ lit(p.bed_idle_types) }}) THEN 0 ELSE 1 END) AS active,
        sum(l.det_item_fee_sumamt) AS amt
    FROM fg_line l
    WHERE l.is_inpatient = 1
    GROUP BY l.mdtrt_id, l.fee_date
),
idle AS (
    SELECT dl.*,
        {{ d.days("DATE '2000-01-01'", 'dl.fee_date') }} - row_number() OVER (PARTITION BY dl.mdtrt_id ORDER BY dl.fee_date) AS grp
    FROM dl
    WHERE dl.active = 0
),
runs AS (
    SELECT mdtrt_id, grp, count(*) AS n_days, sum(amt) AS amt, min(fee_date) AS first_day
    FROM idle
    GROUP BY mdtrt_id, grp
    HAVING count(*) >= {{ lit(p.bed_min_days) }}
)
SELECT
    'BED-P01' AS rule_code, v.mdtrt_id, max(v.setl_id) AS setl_id, CAST(NULL AS STRING) AS feedetl_sn,
    max(v.psn_no) AS psn_no, max(v.fixmedins_code) AS fixmedins_code,
    max(coalesce(v.chfpdr_code, a.any_dr)) AS prac_psn_code,
    sum(r.amt) AS amount,
    '住院期间连续' || {{ d.str('max(r.n_days)') }} || '天只有床位、护理费用而无诊疗，疑似挂床住院。' AS message,
    {{ d.json("'idle_days'", "sum(r.n_days)", "'longest_run'", "max(r.n_days)", "'first_idle_day'", d.str('min(r.first_day)'),
              "'min_days'", lit(p.bed_min_days)) }} AS evidence
FROM runs r
JOIN fg_visit v ON v.mdtrt_id = r.mdtrt_id
JOIN fg_visit_amount a ON a.mdtrt_id = r.mdtrt_id
GROUP BY v.mdtrt_id
