"""Typed SQLAlchemy 2.0 models; one module per concern, all re-exported here."""
from beschikbaarheid.models.core import (  # noqa: F401
    CATEGORY_LABELS,
    FORM_LABELS,
    INTAKE_STATUSES,
    REFERRER_TYPES,
    ROLES,
    SEGMENT_LABELS,
    TARGET_GROUPS,
    Contract,
    FormOfCare,
    Location,
    Municipality,
    Offering,
    OfferingChange,
    Pc4Area,
    Product,
    Provider,
    Region,
    User,
    UTCDateTime,
    Woonplaats,
    utcnow,
)
from beschikbaarheid.models.reminders import REMINDER_KINDS, REMINDER_STATUSES, JobLock, JobRun, ReminderLog  # noqa: F401,E402
from beschikbaarheid.models.search_log import AGE_BANDS, NoMatchReport, SearchLog, age_band  # noqa: F401,E402
from beschikbaarheid.models.contract_mgmt import CALL_OUTCOMES, CallLog, ComplianceSnapshot  # noqa: F401,E402
from beschikbaarheid.models.security import EndedLogin, LoginThrottle  # noqa: F401,E402
from beschikbaarheid.models.feedback import FEEDBACK_ANSWERS, FEEDBACK_REASONS, Feedback, FeedbackMail  # noqa: F401,E402
from beschikbaarheid.models.audit import AuditEvent  # noqa: F401,E402
from beschikbaarheid.models.gezinshuis import GezinshuisEnding, GezinshuisProfile, PlacementRequest, PlacementRequestMonth  # noqa: F401,E402
from beschikbaarheid.models.alerts import AlertMail, AlertSeen, SearchAlert  # noqa: F401,E402
