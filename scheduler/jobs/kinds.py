"""What a solve job solves, a day plan or a week plan, and its input as the job row keeps it.

The rules of ``scheduler.jobs.store`` are the same for both kinds; ``Kind`` names where
each keeps its plan (the job's column, the plans' table) and the statuses it checks.
"""

from __future__ import annotations

import pickle
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models import Plan, PlanJob, PlanStatus, WeekPlan, WeekPlanStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.planning.build import DayProblem
    from scheduler.planning.week_build import WeekDays
    from solver.params import Params


@dataclass(frozen=True)
class Kind:
    """A kind of job: the job's column that names its plan, the plans' table, and the
    statuses of a plan solving and failed there."""

    column: sa.orm.InstrumentedAttribute[int | None]
    plans: type[Plan] | type[WeekPlan]
    solving: PlanStatus | WeekPlanStatus
    failed: PlanStatus | WeekPlanStatus

    def status(self, session: Session, plan_id: int) -> str | None:
        return session.scalar(sa.select(self.plans.status).where(self.plans.id == plan_id))

    def solving_plan(self, plan_id: int) -> sa.ColumnElement[bool]:
        return sa.and_(self.plans.id == plan_id, self.plans.status == self.solving)


DAY_JOB = Kind(PlanJob.plan_id, Plan, PlanStatus.SOLVING, PlanStatus.FAILED)
WEEK_JOB = Kind(PlanJob.week_plan_id, WeekPlan, WeekPlanStatus.SOLVING, WeekPlanStatus.FAILED)
KINDS = (DAY_JOB, WEEK_JOB)


def kind_of(plan_id: int | None, week_plan_id: int | None) -> tuple[Kind, int]:
    """The job's kind and its plan's id, from its row's two columns (one is null)."""
    if week_plan_id is not None:
        return WEEK_JOB, week_plan_id
    assert plan_id is not None
    return DAY_JOB, plan_id


def pack_input(problem: DayProblem | WeekDays, params: Params) -> bytes:
    """The job's input as stored: the built day or week and the parameters, pickled and
    compressed.

    Pickle is safe here because only this code writes the column, and whoever can write the
    database controls the installation anyway.
    """
    return zlib.compress(pickle.dumps((problem, params), protocol=pickle.HIGHEST_PROTOCOL), 3)


def unpack_input(data: bytes) -> tuple[DayProblem | WeekDays, Params]:
    problem, params = pickle.loads(zlib.decompress(data))
    return problem, params
