"""监督检查 inspections: 双随机一公开 random inspections, 飞行检查 flight inspections, 自查自纠 self-checks."""
