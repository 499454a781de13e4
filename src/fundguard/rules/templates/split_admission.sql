-- SPLIT_ADMISSION: an inpatient readmission to the same institution within the window after the previous
-- inpatient visit's end, same 3-character main diagnosis, main diagnosis not matching the exempt pattern.
WITH v AS (
    SELECT
        v.*,
        lag(v.endtime) OVER (PARTITION BY v.psn_no, v.fixmedins_code ORDER BY v.begntime, v.mdtrt_id) AS prev_end,
        lag(v.main_diag_code) OVER (PARTITION BY v.psn_no, v.fixmedins_code ORDER BY v.begntime, v.mdtrt_id) AS prev_diag,
        lag(v.mdtrt_id) OVER (PARTITION BY v.psn_no, v.fixmedins_code ORDER BY v.begntime, v.mdtrt_id) AS prev_mdtrt_id
    FROM fg_visit v
    WHERE v.is_inpatient = 1
)
SELECT
    'SPL-P01' AS rule_code, v.mdtrt_id, v.setl_id, CAST(NULL AS STRING) AS feedetl_sn, v.psn_no, v.fixmedins_code,
    coalesce(v.chfpdr_code, a.any_dr) AS prac_psn_code,
    a.amount,
    '出院后' || {{ d.str(d.days('v.prev_end', 'v.begntime')) }} || '天内以相同主诊断（'
    || substr(v.main_diag_code, 1, 3) || '）再次入住同一机构，疑似分解住院。' AS message,
    {{ d.json("'prev_mdtrt_id'", "v.prev_mdtrt_id", "'prev_endtime'", d.str('v.prev_end'),
              "'begntime'", d.str('v.begntime'), "'main_diag_code'", "v.main_diag_code", "'prev_diag'", "v.prev_diag",
              "'window_days'", lit(p.split_window_days)) }} AS evidence
FROM v
JOIN fg_visit_amount a ON a.mdtrt_id = v.mdtrt_id
WHERE v.prev_end IS NOT NULL
  AND {{ d.days('v.prev_end', 'v.begntime') }} BETWEEN 0 AND {{ lit(p.split_window_days) }}
{% if p.split_match == 'same_3char_main_diag' %}
  AND substr(v.main_diag_code, 1, 3) = substr(v.prev_diag, 1, 3)
{% endif %}
  AND NOT {{ d.rx("coalesce(v.main_diag_code, '')", lit(p.split_exempt_pattern)) }}
