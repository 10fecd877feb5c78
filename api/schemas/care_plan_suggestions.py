"""Booking a new episode: a referral (``CarePlanSuggestionsCreate``) and the best starts of
its care plan (``CarePlanSuggestionsRead``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.care_plans import DaysBetween, VisitsPerWeek, Weekday, Weekdays
from api.schemas.fields import DayMinutes, Discipline, PlanDate, RecordId, Skills
from api.schemas.visits import Windows
from scheduler.planning.care_plan_suggestions import MAX_EPISODE_WEEKS, MAX_STARTS, Referral
from scheduler.planning.date_prices import MissReason
from scheduler.records import inputs

if TYPE_CHECKING:
    from scheduler.planning.care_plan_suggestions import EpisodeStart

_WORKING_WEEK: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
_REFERRAL: dict[str, Any] = {
    "patient_id": 42,
    "discipline": "PT",
    "skills": [],
    "visits_per_week": 3,
    "weeks": 4,
    "duration_minutes": 45,
    "earliest_date": "2026-11-30",
    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    "windows": [{"start": "08:00", "end": "12:00"}],
    "min_days_between": 1,
    "therapist_id": None,
    "limit": 3,
}
_START: dict[str, Any] = {
    "first_date": "2026-11-30",
    "last_date": "2026-12-27",
    "weekdays": ["mon", "wed", "fri"],
    "therapist": {"id": 7, "external_id": "t-ana", "name": "Ana Vidal"},
    "added_travel_s": 3120,
    "keeps_whole_episode": False,
    "dates_not_kept": [{"date": "2026-12-16", "reason": "OFF_SHIFT"}],
}


class CarePlanSuggestionsCreate(BaseModel):
    """A referral: the care plan to book, before it exists."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_REFERRAL]})

    patient_id: RecordId
    discipline: Discipline
    skills: Skills = Field(default_factory=list)
    visits_per_week: VisitsPerWeek
    weeks: int = Field(ge=1, le=MAX_EPISODE_WEEKS, description="How long the episode runs.")
    duration_minutes: DayMinutes
    earliest_date: PlanDate | None = Field(
        default=None,
        description="The earliest first visit; default tomorrow in the clinic's time zone.",
    )
    weekdays: Weekdays = Field(
        default_factory=lambda: list(_WORKING_WEEK),
        description="The days a visit may fall on; default Monday to Friday.",
    )
    windows: Windows | None = None
    min_days_between: DaysBetween = 0
    therapist_id: RecordId | None = Field(default=None, description="Suggest only this one.")
    limit: int = Field(default=3, ge=1, le=MAX_STARTS, description="At most this many starts.")

    def to_referral(self) -> Referral:
        windows = self.windows
        return Referral(
            patient_id=self.patient_id,
            discipline=self.discipline,
            visits_per_week=self.visits_per_week,
            weeks=self.weeks,
            duration_minutes=self.duration_minutes,
            skills=tuple(self.skills),
            earliest_date=self.earliest_date,
            weekdays=tuple(self.weekdays),
            windows=None
            if windows is None
            else tuple(inputs.VisitWindow(w.start, w.end) for w in windows),
            min_days_between=self.min_days_between,
            therapist_id=self.therapist_id,
            limit=self.limit,
        )


class SuggestedTherapistRead(BaseModel):
    """The therapist to be the care plan's primary."""

    model_config = ConfigDict(json_schema_extra={"examples": [_START["therapist"]]})

    id: int
    external_id: str
    name: str


class DateNotKeptRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": _START["dates_not_kept"]})

    date: dt.date
    reason: MissReason = Field(
        description="OFF_SHIFT: no shift that day (off, on leave); NO_ROOM: on shift, but "
        "the visit fits nowhere on the route (windows, max visits, max work, the break); "
        "WEEK_CAP: it fits the route, but the week's work would pass the therapist's "
        "max_week_minutes."
    )


class CarePlanSuggestionRead(BaseModel):
    """One start: the first date, the weekday pattern and the therapist to be primary."""

    model_config = ConfigDict(json_schema_extra={"examples": [_START]})

    first_date: dt.date
    last_date: dt.date = Field(description="The episode's last day: 7 x weeks - 1 days on.")
    weekdays: list[str] = Field(description="The visits' days of the week, in week order.")
    therapist: SuggestedTherapistRead
    added_travel_s: int = Field(
        description="The drive the visits add, summed over the dates the therapist keeps: "
        "each is the cheapest insertion into that date's route (the published plan, else "
        "the latest draft, else home to the patient and back)."
    )
    keeps_whole_episode: bool = Field(
        description="The therapist works and has room for the visit on every date."
    )
    dates_not_kept: list[DateNotKeptRead]

    @classmethod
    def from_start(cls, start: EpisodeStart) -> CarePlanSuggestionRead:
        return cls(
            first_date=start.first_date,
            last_date=start.last_date,
            weekdays=list(start.weekdays),
            therapist=SuggestedTherapistRead(
                id=start.therapist_id, external_id=start.therapist_key, name=start.therapist_name
            ),
            added_travel_s=start.added_travel_s,
            keeps_whole_episode=start.keeps_whole_episode,
            dates_not_kept=[DateNotKeptRead(date=m.date, reason=m.reason) for m in start.missed],
        )


class CarePlanSuggestionsRead(BaseModel):
    """Best first: every date kept, then the fewest missed, then a therapist the patient
    prefers, then the least added travel, then the earliest first date."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"suggestions": [_START]}]})

    suggestions: list[CarePlanSuggestionRead]
