"""Users, roles, region scope, API keys and the audit log (用户、角色、数据范围、接口密钥、审计日志)."""
