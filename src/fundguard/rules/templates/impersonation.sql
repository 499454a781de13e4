-- IMPERSONATION (a) IMP-P01: the same person in inpatient stays at two institutions that overlap in time:
-- the later-starting visit. (b) IMP-P02: a visit whose gend differs from the person's earliest visit.
SELECT
    'IMP-P01' AS rule_code, b.mdtrt_id, b.setl_id, CAST(NULL AS STRING) AS feedetl_sn, b.psn_no, b.fixmedins_code,
    coalesce(b.chfpdr_code, amt.any_dr) AS prac_psn_code,
    amt.amount,
    '该参保人在另一机构住院期间（' || a.fixmedins_code || '，就诊' || a.mdtrt_id || '）又在本机构住院，疑似冒名就医。' AS message,
    {{ d.json("'other_mdtrt_id'", "a.mdtrt_id", "'other_fixmedins_code'", "a.fixmedins_code",
              "'other_begntime'", d.str('a.begntime'), "'other_endtime'", d.str('a.endtime'),
              "'begntime'", d.str('b.begntime')) }} AS evidence
FROM fg_visit a
JOIN fg_visit b
  ON b.psn_no = a.psn_no AND b.fixmedins_code <> a.fixmedins_code
 AND (b.begntime > a.begntime OR (b.begntime = a.begntime AND b.mdtrt_id > a.mdtrt_id))
 AND b.begntime < a.endtime
JOIN fg_visit_amount amt ON amt.mdtrt_id = b.mdtrt_id
WHERE a.is_inpatient = 1 AND b.is_inpatient = 1
UNION ALL
SELECT
    'IMP-P02' AS rule_code, v.mdtrt_id, v.setl_id, CAST(NULL AS STRING) AS feedetl_sn, v.psn_no, v.fixmedins_code,
    coalesce(v.chfpdr_code, amt.any_dr) AS prac_psn_code,
    amt.amount,
    '本次就诊性别（' || v.gend || '）与该参保人首次就诊性别（' || f.gend || '）不一致，疑似冒名就医。' AS message,
    {{ d.json("'gend'", "v.gend", "'first_gend'", "f.gend", "'first_mdtrt_id'", "f.mdtrt_id") }} AS evidence
FROM fg_visit v
JOIN (
    SELECT psn_no, gend, mdtrt_id FROM (
        SELECT psn_no, gend, mdtrt_id, row_number() OVER (PARTITION BY psn_no ORDER BY begntime, mdtrt_id) AS n
        FROM fg_visit
        WHERE gend IN ('1', '2')
          -- only a person recorded with both sexes can fire: window just their visits, not every visit
          AND psn_no IN (
              SELECT psn_no FROM fg_visit WHERE gend IN ('1', '2') GROUP BY psn_no HAVING min(gend) <> max(gend)
          )
    ) e WHERE e.n = 1
) f ON f.psn_no = v.psn_no
JOIN fg_visit_amount amt ON amt.mdtrt_id = v.mdtrt_id
WHERE v.gend IN ('1', '2') AND v.gend <> f.gend
