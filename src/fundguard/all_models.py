"""Imports every domain's models so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from fundguard.auth import models as auth_models  # noqa: F401
from fundguard.ingest import models as ingest_models  # noqa: F401
from fundguard.masterdata import models as masterdata_models  # noqa: F401
