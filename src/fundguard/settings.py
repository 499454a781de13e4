"""Process settings (paths, database URL, secrets) read from the environment.

Policy numbers do not live here: they are in the province profile (see ``fundguard.profiles``).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDGUARD_", extra="ignore")

    home: Path = Field(default=Path("./var"), description="All state: store file, lake, logs")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under home if unset")
    profile: str = Field(default="national", description="Province profile name (profiles/<name>.yaml)")
    profiles_dir: Path = Field(default=PROJECT_ROOT / "profiles")
    secret_key: str | None = Field(default=None, description="Signs sessions; generated under home if unset")
    identity_key: str | None = Field(
        default=None,
        description="Fernet key that encrypts whistleblower identity; generated under home if unset",
    )
    timezone: str = "Asia/Shanghai"
    keepalive_requests: int = Field(
        default=100,
        ge=0,
        description=(
            "Mean answers per keep-alive connection before the server asks the client to reconnect "
            "(Connection: close), so that connections keep spreading over the workers; 0 = never "
            "(as nginx's keepalive_requests, whose default was 100 until 1.19.10)"
        ),
    )

    @property
    def home_dir(self) -> Path:
        path = self.home.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def lake_dir(self) -> Path:
        return self.home_dir / "lake"

    @property
    def log_dir(self) -> Path:
        path = self.home_dir / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'fundguard.db'}"

    def _persisted_secret(self, name: str, factory) -> str:
        path = self.home_dir / name
        if path.exists():
            return path.read_text().strip()
        value = factory()
        path.write_text(value)
        os.chmod(path, 0o600)
        return value

    @property
    def effective_secret_key(self) -> str:
        return self.secret_key or self._persisted_secret("secret.key", lambda: secrets.token_urlsafe(48))

    @property
    def effective_identity_key(self) -> str:
        from cryptography.fernet import Fernet

        return self.identity_key or self._persisted_secret(
            "identity.key", lambda: Fernet.generate_key().decode()
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget cached settings (tests and the CLI change the environment between runs)."""
    get_settings.cache_clear()
