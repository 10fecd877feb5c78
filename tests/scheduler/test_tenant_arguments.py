"""Every service on clinic data takes the clinic: no default drops the tenant filter.

A service in ``records/``, ``planning/``, ``therapist_day/`` or ``notify/`` that takes a
``Session`` must also take ``clinic_id`` or ``clinic`` without a default, or an entity that a
clinic-scoped query already loaded (a plan, a therapist, a route).

``scheduler.jobs`` is not among them on purpose: workers run any clinic's solve by its plan
id, and nothing there answers a user.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import TYPE_CHECKING

import pytest

import scheduler.notify
import scheduler.planning
import scheduler.records
import scheduler.therapist_day

if TYPE_CHECKING:
    from collections.abc import Callable

PACKAGES = (scheduler.records, scheduler.planning, scheduler.therapist_day, scheduler.notify)
CLINIC_PARAMETERS = {"clinic_id", "clinic"}
# Entities whose rows carry their clinic: a caller got them through a scoped lookup.
SCOPED_ENTITIES = {"Plan", "Therapist", "PlanRoute", "Clinic", "WeekPlan"}
# Helpers that read no clinic's records, each with why.
NOT_ON_CLINIC_DATA = {
    "scheduler.planning.queries.conflict_on_lost_race": "turns a lost commit race into a 409",
    # The delivery worker serves the outbox of every clinic; it reads no records but it.
    "scheduler.notify.delivery.claim_due": "the delivery worker claims any clinic's messages",
    "scheduler.notify.delivery.deliver_due": "the delivery worker sends any clinic's messages",
    "scheduler.notify.delivery.deliver_one": "sends one message the worker claimed",
    "scheduler.notify.delivery.release_claims": "gives back what one worker run claimed",
}
# The plumbing the record services share: each helper takes a record the service already
# found through ``get_owned`` (which requires the clinic) or a query already filtered by it.
PLUMBING = {"scheduler.records.store"}


def _services() -> list[tuple[str, Callable[..., object]]]:
    found: list[tuple[str, Callable[..., object]]] = []
    for package in PACKAGES:
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            if info.name in PLUMBING:
                continue
            module = importlib.import_module(info.name)
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__ and not name.startswith("_"):
                    found.append((f"{module.__name__}.{name}", function))
    return found


def _takes_a_session(function: Callable[..., object]) -> bool:
    return any(
        "Session" in str(parameter.annotation)
        for parameter in inspect.signature(function).parameters.values()
    )


def _scoped(function: Callable[..., object]) -> bool:
    for name, parameter in inspect.signature(function).parameters.items():
        if name in CLINIC_PARAMETERS and parameter.default is inspect.Parameter.empty:
            return True
        if str(parameter.annotation).split("|")[0].strip() in SCOPED_ENTITIES:
            return True
    return False


SERVICES = [
    (name, f) for name, f in _services() if _takes_a_session(f) and name not in NOT_ON_CLINIC_DATA
]


def test_the_services_are_found() -> None:
    """The walk reaches the services it guards (a broken walk would pass everything)."""
    names = {name.rsplit(".", 1)[1] for name, _ in SERVICES}
    assert {"create_plan", "publish_plan", "get_plan", "create_visit", "check_in"} <= names


@pytest.mark.parametrize(("name", "function"), SERVICES, ids=[name for name, _ in SERVICES])
def test_a_service_on_clinic_data_requires_the_clinic(
    name: str, function: Callable[..., object]
) -> None:
    assert _scoped(function), f"{name}{inspect.signature(function)} takes no required clinic"


def test_every_exception_names_a_service_that_exists() -> None:
    """An exception left behind by a rename would hide nothing, but would mislead."""
    assert set(NOT_ON_CLINIC_DATA) <= {name for name, _ in _services()}


def test_an_optional_clinic_is_caught() -> None:
    def get_thing(session: Session, thing_id: int, clinic_id: int | None = None) -> None:
        del session, thing_id, clinic_id

    assert not _scoped(get_thing)


if TYPE_CHECKING:
    from sqlalchemy.orm import Session
