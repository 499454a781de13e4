"""Synthetic city (合成数据城市): a labelled, contract-format input folder for tests and demos."""
