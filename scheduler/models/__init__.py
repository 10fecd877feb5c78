"""The domain entities (SQLAlchemy 2, typed). Importing this package maps every table.

Every record belongs to a clinic; unique keys that users see (``external_id``, ``email``)
are unique within a clinic. ``Base.metadata`` is what the Alembic migrations describe.

May import: nothing else in scheduler.
"""

# ``versions`` is imported for its session events: commits raise the route versions.
from scheduler.models import versions  # noqa: F401
from scheduler.models.base import Base
from scheduler.models.caches import GeocodeCache, MatrixCache, to_microdegrees
from scheduler.models.care_plans import (
    CarePlan,
    CarePlanStatus,
    care_plan_preferred_therapists,
)
from scheduler.models.clinic import Clinic
from scheduler.models.jobs import JobState, PlanJob
from scheduler.models.outbox import Channel, MessageStatus, OutboxMessage, RecipientKind
from scheduler.models.patients import (
    Patient,
    patient_excluded_therapists,
    patient_preferred_therapists,
)
from scheduler.models.plans import Plan, PlanRoute, PlanStatus, PlanStop, PlanUnassigned
from scheduler.models.therapists import (
    ShiftException,
    ShiftExceptionKind,
    Therapist,
    WeeklyAvailability,
)
from scheduler.models.users import ApiToken, LoginThrottle, Role, ThrottleScope, User
from scheduler.models.visits import Visit, VisitStatus
from scheduler.models.weeks import WeekPlan, WeekPlanStatus
from scheduler.models.windows import Window
from solver.problem import Priority

__all__ = [
    "ApiToken",
    "Base",
    "CarePlan",
    "CarePlanStatus",
    "Channel",
    "Clinic",
    "GeocodeCache",
    "JobState",
    "LoginThrottle",
    "MatrixCache",
    "MessageStatus",
    "OutboxMessage",
    "Patient",
    "Plan",
    "PlanJob",
    "PlanRoute",
    "PlanStatus",
    "PlanStop",
    "PlanUnassigned",
    "Priority",
    "RecipientKind",
    "Role",
    "ShiftException",
    "ShiftExceptionKind",
    "Therapist",
    "ThrottleScope",
    "User",
    "Visit",
    "VisitStatus",
    "WeekPlan",
    "WeekPlanStatus",
    "WeeklyAvailability",
    "Window",
    "care_plan_preferred_therapists",
    "patient_excluded_therapists",
    "patient_preferred_therapists",
    "to_microdegrees",
]
