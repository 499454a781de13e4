"""Ingest (数据接入): read NHSA-format extracts, validate, quarantine bad rows (隔离区),
write claims to the partitioned Parquet lake and master data to the relational store."""
