"""信用管理 credit: credit events, scores and grades, lists (blacklist, joint punishment)."""
