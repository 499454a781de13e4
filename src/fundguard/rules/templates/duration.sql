-- DURATION: bed-fee units on an inpatient visit above its length of stay (ipt_days, else days between
-- begntime and endtime dates, at least 1); the excess is taken from the last bed line(s), units × pric.
WITH b AS (
    SELECT
        l.*,
        coalesce(l.ipt_days, greatest({{ d.days('l.begntime', 'l.endtime') }}, 1)) AS stay_days,
        sum(l.cnt) OVER (PARTITION BY l.mdtrt_id) AS bed_units,
        coalesce(sum(l.cnt) OVER (
            PARTITION BY l.mdtrt_id ORDER BY l.fee_ocur_time DESC, l.feedetl_sn DESC
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ), 0) AS later_units
    FROM fg_line l
    WHERE l.med_chrgitm_type = {{ lit(p.bed_chrgitm_type) }} AND l.is_inpatient = 1
)
SELECT
    'DUR-P01' AS rule_code, b.mdtrt_id, b.setl_id, b.feedetl_sn, b.psn_no, b.fixmedins_code,
    b.bilg_dr_codg AS prac_psn_code,
    round(least(b.cnt, b.bed_units - b.stay_days - b.later_units) * b.pric, 2) AS amount,
    '床位费共计' || {{ d.str('CAST(b.bed_units AS DECIMAL(18,2))') }} || '天，超过住院天数'
    || {{ d.str('b.stay_days') }} || '天。' AS message,
    {{ d.json("'bed_units'", "b.bed_units", "'stay_days'", "b.stay_days",
              "'excess_units_on_line'", "least(b.cnt, b.bed_units - b.stay_days - b.later_units)") }} AS evidence
FROM b
WHERE b.stay_days IS NOT NULL AND b.bed_units > b.stay_days AND b.bed_units - b.stay_days - b.later_units > 0
