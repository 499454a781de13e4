"""协议管理 agreements: designation applications, service agreements, changes and assessments."""
