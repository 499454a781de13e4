"""fundguard — 医保基金智能监管平台 (medical-insurance fund supervision platform)."""

__version__ = "0.1.0"
