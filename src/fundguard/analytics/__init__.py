"""Analytics (数据分析): peer indicators (监测指标), physician ranking (医师排名), 进销存 and trace codes,
collusion rings (团伙), risk scores (风险评分). See MODELS.md for what each model can and cannot see."""
