"""The routers, one module a resource; ``ROUTERS`` is what ``create_app`` mounts."""

from api.routes import (
    auth,
    care_plans,
    health,
    me,
    patients,
    plans,
    solve,
    therapists,
    visits,
    weeks,
)

ROUTERS = [
    health.router,
    auth.router,
    therapists.router,
    patients.router,
    visits.router,
    care_plans.router,
    plans.router,
    weeks.router,
    solve.router,
    me.router,
]
