"""信息公开 disclosure: publications with desensitisation (脱敏) and periodic summary reports."""
