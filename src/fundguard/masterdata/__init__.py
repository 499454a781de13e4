"""Master data (主数据): institutions (定点医药机构), practitioners (医保支付资格人员) and their
registrations (登记备案), departments (科室) and the catalogue (医保目录)."""
