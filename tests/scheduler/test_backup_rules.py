"""The backup rules against the models: every table is dumped, skipped with a reason, or the
installation's, and nothing a generic dump cannot handle hides in a dumped table.

When a test here fails after a new table or column, decide in scheduler/backup/rules.py."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.backup.rules import (
    DUMPED,
    INSTALLATION,
    JSON_WITH_IDS,
    SKIPPED,
    clinic_owned,
    dumped_tables,
    owner_key,
    rule_faults,
)
from scheduler.models import Base


def test_the_models_and_the_backup_rules_agree() -> None:
    assert rule_faults(Base.metadata) == []


def test_every_table_of_a_clinic_is_dumped_or_skipped() -> None:
    assert clinic_owned(Base.metadata) == {*DUMPED, *SKIPPED}
    assert all(reason.strip() for reason in SKIPPED.values())


def test_rows_are_found_through_the_nearest_key_to_the_clinic() -> None:
    keys = {
        table.name: None if (key := owner_key(table)) is None else str(key.parent)
        for table in dumped_tables(Base.metadata)
    }
    assert keys["clinics"] is None
    assert keys["visits"] == "visits.clinic_id"  # not through patient_id
    assert keys["plan_routes"] == "plan_routes.plan_id"
    assert keys["plan_stops"] == "plan_stops.visit_id"
    assert keys["patient_preferred_therapists"] == "patient_preferred_therapists.patient_id"


def _models_plus(*columns: Any, name: str = "new_table") -> sa.MetaData:
    """A copy of the models with one more table, as another change might add it."""
    metadata = sa.MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)
    return metadata


@pytest.mark.parametrize(
    ("columns", "fault"),
    [
        pytest.param(
            (sa.Column("user_id", sa.ForeignKey("users.id"), nullable=False),),
            "table new_table is in none of DUMPED, SKIPPED, INSTALLATION",
            id="a throttle row per user",
        ),
        pytest.param(
            (sa.Column("plan_id", sa.ForeignKey("plans.id"), nullable=False),),
            "table new_table is in none of DUMPED, SKIPPED, INSTALLATION",
            id="a job per plan",
        ),
        pytest.param(
            (sa.Column("email", sa.String(254)),),
            "table new_table is in none of DUMPED, SKIPPED, INSTALLATION",
            id="a table of no clinic",
        ),
    ],
)
def test_a_new_table_without_a_decision_is_a_fault(columns: tuple[Any, ...], fault: str) -> None:
    faults = rule_faults(_models_plus(*columns))
    assert [f for f in faults if f.startswith(fault)] != []


def test_the_owned_tables_include_those_that_reach_a_clinic_through_others() -> None:
    metadata = _models_plus(sa.Column("stop_id", sa.ForeignKey("plan_stops.id")))
    assert "new_table" in clinic_owned(metadata)


def test_a_dumped_table_with_an_undeclared_json_column_or_a_loose_id_is_a_fault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    metadata = _models_plus(
        sa.Column("plan_id", sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("worker_id", sa.Integer),
    )
    monkeypatch.setattr("scheduler.backup.rules.DUMPED", (*DUMPED, "new_table"))
    assert rule_faults(metadata) == [
        "new_table.result is JSON: declare whether it holds ids (JSON_WITH_IDS, JSON_WITHOUT_IDS)",
        "new_table.worker_id looks like an id but is no foreign key: backups cannot remap it",
    ]


def test_a_table_with_a_clinic_id_but_no_foreign_key_is_a_fault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    metadata = _models_plus(sa.Column("clinic_id", sa.Integer))
    monkeypatch.setattr("scheduler.backup.rules.INSTALLATION", INSTALLATION | {"new_table": "why"})
    assert rule_faults(metadata) == [
        "table new_table has a clinic_id without a foreign key to clinics"
    ]


def test_a_dumped_table_that_references_a_skipped_one_is_a_fault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    metadata = _models_plus(sa.Column("token_id", sa.ForeignKey("api_tokens.id"), nullable=False))
    monkeypatch.setattr("scheduler.backup.rules.DUMPED", (*DUMPED, "new_table"))
    faults = rule_faults(metadata)
    assert "new_table.token_id references api_tokens, which backups do not hold" in faults


def test_the_ids_in_a_replan_are_found_and_rewritten() -> None:
    ids = JSON_WITH_IDS["plans", "replan"]
    replan = {
        "from_plan": 7,
        "events": [{"kind": "visit_added", "visit_id": 12}, {"kind": "x", "visit_id": "v2"}],
        "changes": [{"visit_id": "v2"}],
    }
    assert list(ids.find(replan)) == [("plans", 7), ("visits", 12)]
    rewritten = ids.rewrite(replan, lambda table, old: old + (100 if table == "plans" else 1000))
    assert rewritten["from_plan"] == 107
    assert rewritten["events"] == [
        {"kind": "visit_added", "visit_id": 1012},
        {"kind": "x", "visit_id": "v2"},
    ]
    assert rewritten["changes"] == replan["changes"]
    assert list(ids.find(None)) == []
