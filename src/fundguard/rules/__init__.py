"""Rule engine and knowledge base (规则引擎与知识库): knowledge tables, SQL templates, batch audit."""
