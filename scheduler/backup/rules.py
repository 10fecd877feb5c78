"""Which tables a clinic's backup holds, and the ids that hide in JSON columns.

A table belongs to a clinic when it has a foreign key to ``clinics`` or to a table that
belongs to a clinic. Each such table is named here, in ``DUMPED`` or in ``SKIPPED`` with the
reason, and every other table in ``INSTALLATION``. ``rule_faults`` lists what the models and
these lists disagree on; the dump and the restore refuse to run while it lists anything, and
a test runs it on the models, so a table added later is neither left out of backups nor put
into them without a decision.

Rows are found, and ids remapped, through the foreign keys alone. The two places where an id
is not a foreign key are declared: a JSON column either holds none (``JSON_WITHOUT_IDS``) or
says where they are (``JSON_WITH_IDS``), and an integer column named ``*_id`` must be a
foreign key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CLINICS = "clinics"

DUMPED = (
    "clinics",
    "therapists",
    "weekly_availability",
    "shift_exceptions",
    "patients",
    "patient_excluded_therapists",
    "patient_preferred_therapists",
    "care_plans",
    "care_plan_preferred_therapists",
    "visits",
    "users",
    "week_plans",
    "plans",
    "plan_routes",
    "plan_stops",
    "plan_unassigned",
)

SKIPPED = {
    "api_tokens": (
        "a token is a keyed hash under the source installation's secret key, and live "
        "credentials do not belong in a file: users log in again after a restore"
    ),
    "plan_jobs": (
        "a solve in progress, its input pickled by the source installation's code; a plan "
        "restored while solving has no job, and the job sweep fails it, saying so"
    ),
    "outbox_messages": (
        "the delivery log of the installation that sent the messages: restored, its pending "
        "messages would be sent a second time from a second installation"
    ),
}

INSTALLATION = {
    "geocode_cache": "geocoder answers shared by every clinic, refilled on demand",
    "matrix_cache": "travel times shared by every clinic, refilled on demand",
    "login_throttles": (
        "failed-login counts keyed by HMACs under the installation's secret key, which end "
        "with their window"
    ),
}

JSON_WITHOUT_IDS = frozenset(
    {
        ("therapists", "skills"),
        ("patients", "required_skills"),
        ("visits", "windows"),
        ("visits", "skills"),
        ("care_plans", "skills"),
        ("care_plans", "weekdays"),
        ("care_plans", "windows"),
        ("care_plans", "weekday_windows"),
        ("plans", "parameters"),
        ("plans", "kpis"),
        ("plans", "solver_stats"),
        ("plans", "progress"),
        # The checker's therapist_id and visit_id are solver ids, i.e. external ids.
        ("plans", "violations"),
        ("week_plans", "parameters"),
        ("week_plans", "kpis"),
        ("week_plans", "solver_stats"),
        ("week_plans", "progress"),
        # Care plans are named by external id.
        ("week_plans", "unplaced"),
    }
)


@dataclass(frozen=True)
class JsonIds:
    """Where a JSON column holds database ids: ``find`` yields (table, id) of each,
    ``rewrite`` returns the value with each id replaced by ``new_id(table, id)``."""

    find: Callable[[Any], Iterator[tuple[str, int]]]
    rewrite: Callable[[Any, Callable[[str, int], int]], Any]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _replan_ids(replan: Any) -> Iterator[tuple[str, int]]:
    if not isinstance(replan, dict):
        return
    if _is_id(replan.get("from_plan")):
        yield "plans", replan["from_plan"]
    for event in replan.get("events") or []:
        # A suggestion's accepted visit names the new booking by database id; the other
        # events name visits by external id (a string).
        if isinstance(event, dict) and _is_id(event.get("visit_id")):
            yield "visits", event["visit_id"]


def _rewrite_replan(replan: Any, new_id: Callable[[str, int], int]) -> Any:
    if not isinstance(replan, dict):
        return replan
    result = dict(replan)
    if _is_id(replan.get("from_plan")):
        result["from_plan"] = new_id("plans", replan["from_plan"])
    if isinstance(replan.get("events"), list):
        result["events"] = [
            event | {"visit_id": new_id("visits", event["visit_id"])}
            if isinstance(event, dict) and _is_id(event.get("visit_id"))
            else event
            for event in replan["events"]
        ]
    return result


JSON_WITH_IDS = {("plans", "replan"): JsonIds(_replan_ids, _rewrite_replan)}


def clinic_owned(metadata: sa.MetaData) -> set[str]:
    """The tables that reference ``clinics``, directly or through tables that do."""
    owned = {CLINICS}
    grown = True
    while grown:
        grown = False
        for table in metadata.tables.values():
            if table.name not in owned and any(
                key.column.table.name in owned for key in table.foreign_keys
            ):
                owned.add(table.name)
                grown = True
    return owned


def dumped_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """The tables a backup holds, parents before children."""
    return [table for table in metadata.sorted_tables if table.name in DUMPED]


def owner_key(table: sa.Table) -> sa.ForeignKey | None:
    """The foreign key through which a row of ``table`` belongs to its clinic: ``clinic_id``
    when the table has it, else a NOT NULL key to the dumped table nearest the clinic."""
    depths = _depths(table.metadata)
    candidates = [key for key in _owning_keys(table) if key.column.table.name in depths]
    if not candidates:
        return None
    return min(candidates, key=lambda key: (depths[key.column.table.name], key.parent.name))


def _owning_keys(table: sa.Table) -> list[sa.ForeignKey]:
    return [
        key
        for key in table.foreign_keys
        if key.column.table.name in DUMPED
        and key.column.table is not table
        and not key.parent.nullable
    ]


def _depths(metadata: sa.MetaData) -> dict[str, int]:
    """How many NOT NULL foreign keys separate each dumped table from ``clinics``."""
    depths = {CLINICS: 0}
    grown = True
    while grown:
        grown = False
        for table in dumped_tables(metadata):
            reachable = [
                depths[key.column.table.name]
                for key in _owning_keys(table)
                if key.column.table.name in depths
            ]
            if table.name not in depths and reachable:
                depths[table.name] = 1 + min(reachable)
                grown = True
    return depths


def rule_faults(metadata: sa.MetaData) -> list[str]:
    """Each place where the models and the backup rules disagree, as a sentence."""
    owned = clinic_owned(metadata)
    faults = [*_classification_faults(metadata, owned)]
    for table in dumped_tables(metadata):
        faults += _shape_faults(table)
    return faults


def _classification_faults(metadata: sa.MetaData, owned: set[str]) -> Iterator[str]:
    for name in sorted(metadata.tables):
        table = metadata.tables[name]
        lists = [
            label
            for label, names in (
                ("DUMPED", DUMPED),
                ("SKIPPED", SKIPPED),
                ("INSTALLATION", INSTALLATION),
            )
            if name in names
        ]
        if len(lists) != 1:
            where = " and ".join(lists) if lists else "none of DUMPED, SKIPPED, INSTALLATION"
            yield f"table {name} is in {where}: name it in exactly one (scheduler/backup/rules.py)"
        elif name in owned and lists == ["INSTALLATION"]:
            yield f"table {name} references a clinic's rows: dump it or skip it, with a reason"
        elif name not in owned and lists != ["INSTALLATION"]:
            yield f"table {name} is in {lists[0]} but references no clinic's rows"
        elif name not in owned and "clinic_id" in table.columns:
            yield f"table {name} has a clinic_id without a foreign key to clinics"
    for listed in sorted({*DUMPED, *SKIPPED, *INSTALLATION} - metadata.tables.keys()):
        yield f"table {listed} is named in scheduler/backup/rules.py but is not in the models"
    for table_name, column in sorted(JSON_WITHOUT_IDS | JSON_WITH_IDS.keys()):
        known = metadata.tables.get(table_name)
        if known is None or column not in known.columns:
            yield f"{table_name}.{column} is declared as JSON but is not in the models"


def _shape_faults(table: sa.Table) -> Iterator[str]:
    """What the generic dump and restore cannot handle in a dumped table."""
    name = table.name
    if name != CLINICS and owner_key(table) is None:
        yield f"table {name} has no NOT NULL foreign key that ties its rows to a clinic"
    keys = list(table.primary_key.columns)
    if not (_is_own_id(keys) or all(column.foreign_keys for column in keys)):
        yield f"table {name}: the primary key must be one integer id, or only foreign keys"
    for constraint in table.foreign_key_constraints:
        if len(constraint.columns) != 1:
            yield f"table {name}: a foreign key of several columns ({constraint.name})"
    for column in table.columns:
        yield from _column_faults(table, column)


def _column_faults(table: sa.Table, column: sa.Column[Any]) -> Iterator[str]:
    name = f"{table.name}.{column.name}"
    for key in column.foreign_keys:
        referred = key.column.table.name
        if referred not in DUMPED:
            yield f"{name} references {referred}, which backups do not hold"
        elif referred == table.name:
            yield f"{name} references its own table, which the restore cannot order"
        elif not _is_own_id(list(key.column.table.primary_key.columns)):
            yield f"{name} references {referred}, whose key is not one integer id"
    is_json = isinstance(column.type, sa.JSON)
    declared = (table.name, column.name) in JSON_WITHOUT_IDS | JSON_WITH_IDS.keys()
    if is_json and not declared:
        yield f"{name} is JSON: declare whether it holds ids (JSON_WITH_IDS, JSON_WITHOUT_IDS)"
    if not is_json and declared:
        yield f"{name} is declared as JSON in scheduler/backup/rules.py but is not"
    if (
        column.name.endswith("_id")
        and isinstance(column.type, sa.Integer)
        and not column.foreign_keys
    ):
        yield f"{name} looks like an id but is no foreign key: backups cannot remap it"


def _is_own_id(keys: list[sa.Column[Any]]) -> bool:
    return (
        len(keys) == 1
        and isinstance(keys[0].type, sa.Integer)
        and not keys[0].foreign_keys
        and keys[0].autoincrement in (True, "auto")
    )
