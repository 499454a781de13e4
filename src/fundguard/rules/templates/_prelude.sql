-- Shared views of every run: visits with institution facts, fee lines with visit facts.
CREATE OR REPLACE TEMPORARY VIEW fg_visit AS
SELECT
    m.mdtrt_id, m.psn_no, m.gend, m.age, m.brdy, m.fixmedins_code, m.med_type, m.begntime, m.endtime,
    m.ipt_days, m.adm_dept_name, m.dscg_dept_name, m.chfpdr_code, m.dscg_maindiag_name,
    coalesce(m.dscg_maindiag_code, dm.diag_code) AS main_diag_code,
    coalesce(i.hosp_lv, m.hosp_lv) AS hosp_lv,
    i.fixmedins_type,
    coalesce(i.admdvs, '') AS admdvs,
    CASE WHEN m.med_type IN ({{ lit(p.inpatient_med_types) }}) THEN 1 ELSE 0 END AS is_inpatient,
    s.setl_id
FROM mdtrt m
LEFT JOIN fixmedins i ON i.fixmedins_code = m.fixmedins_code
LEFT JOIN (SELECT mdtrt_id, min(setl_id) AS setl_id FROM setl GROUP BY mdtrt_id) s ON s.mdtrt_id = m.mdtrt_id
LEFT JOIN (
    SELECT mdtrt_id, min(diag_code) AS diag_code FROM diag WHERE maindiag_flag = '1' GROUP BY mdtrt_id
) dm ON dm.mdtrt_id = m.mdtrt_id;

CREATE OR REPLACE TEMPORARY VIEW fg_line AS
SELECT
    f.feedetl_sn, f.mdtrt_id, coalesce(f.setl_id, v.setl_id) AS setl_id, f.psn_no, f.fixmedins_code,
    f.fee_ocur_time, CAST(f.fee_ocur_time AS DATE) AS fee_date, f.med_list_codg,
    coalesce(f.medins_list_name, f.hilist_name, f.med_list_codg) AS item_name,
    f.med_chrgitm_type, f.cnt, f.pric, f.det_item_fee_sumamt, f.pric_uplmt_amt, f.bilg_dept_name, f.bilg_dr_codg,
    v.gend, v.age, v.brdy, v.med_type, v.begntime, v.endtime, v.ipt_days, v.adm_dept_name, v.dscg_dept_name,
    v.main_diag_code, v.dscg_maindiag_name, v.hosp_lv, v.fixmedins_type, v.admdvs, v.is_inpatient
FROM fee_list f
JOIN fg_visit v ON v.mdtrt_id = f.mdtrt_id
WHERE 1 = 1
{% if since %}
    AND CAST(f.fee_ocur_time AS DATE) >= {{ lit(since) }}
{% endif %}
{% if until %}
    AND CAST(f.fee_ocur_time AS DATE) <= {{ lit(until) }}
{% endif %}
;

CREATE OR REPLACE TEMPORARY VIEW fg_visit_amount AS
SELECT mdtrt_id, sum(det_item_fee_sumamt) AS amount, min(bilg_dr_codg) AS any_dr
FROM fg_line
GROUP BY mdtrt_id
