"""举报投诉与举报奖励 whistleblower tips and rewards (domain.md §2h)."""
