"""Real-time pre-check (事前提醒 / 事中审核): one visit checked by the batch rule templates."""
