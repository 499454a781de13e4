"""工作日历维护 calendar_admin: administrator overrides of the statutory working-day calendar."""
