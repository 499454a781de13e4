"""Imports every domain's models so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from fundguard.agreements import models as agreements_models  # noqa: F401
from fundguard.analytics import models as analytics_models  # noqa: F401
from fundguard.auth import models as auth_models  # noqa: F401
from fundguard.calendar_admin import models as calendar_admin_models  # noqa: F401
from fundguard.cases import models as cases_models  # noqa: F401
from fundguard.credit import models as credit_models  # noqa: F401
from fundguard.disclosure import models as disclosure_models  # noqa: F401
from fundguard.ingest import models as ingest_models  # noqa: F401
from fundguard.inspections import models as inspections_models  # noqa: F401
from fundguard.masterdata import models as masterdata_models  # noqa: F401
from fundguard.precheck import models as precheck_models  # noqa: F401
from fundguard.rules import models as rules_models  # noqa: F401
from fundguard.scoring import models as scoring_models  # noqa: F401
from fundguard.tips import models as tips_models  # noqa: F401
