"""The therapist's own day, as their phone shows it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.plans import BreakRead
from scheduler.models import VisitStatus
from scheduler.therapist_day.service import ChangeKind


class PatientOnRouteRead(BaseModel):
    """What a therapist may see of a patient on their route, and nothing else."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Maria Puig",
                    "address": "Carrer Major 12, Andorra la Vella",
                    "access_notes": "Ring twice; lift to 3rd floor",
                    "phone": "+376 812 345",
                    "lat": 42.5078,
                    "lon": 1.5211,
                }
            ]
        }
    )

    name: str
    address: str
    access_notes: str
    phone: str | None
    lat: float | None
    lon: float | None


class RouteStopRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "position": 0,
                    "visit_id": 12,
                    "arrival": "08:21:00",
                    "start": "08:30:00",
                    "end": "09:15:00",
                    "travel_s": 1260,
                    "wait_s": 540,
                    "duration_minutes": 45,
                    "skills": ["PT"],
                    "status": "planned",
                    "checked_in_at": None,
                    "checked_out_at": None,
                    "patient": PatientOnRouteRead.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                    "navigation_url": "https://www.google.com/maps/dir/?api=1&destination=42.5078,1.5211",
                    "geo_url": "geo:42.5078,1.5211",
                }
            ]
        }
    )

    position: int
    visit_id: int
    arrival: str
    start: str
    end: str
    travel_s: int = Field(description="From the previous stop (or home).")
    wait_s: int
    duration_minutes: int
    skills: list[str] = Field(description="The patient's required skills and the visit's own.")
    status: VisitStatus
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    patient: PatientOnRouteRead
    navigation_url: str | None = Field(description="Directions to the patient (Google Maps).")
    geo_url: str | None = Field(description="A geo: URI for the phone's own map app.")


class RouteChangeRead(BaseModel):
    """A visit the new published version added to, removed from, or moved on the route."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "moved",
                    "visit_id": 12,
                    "patient_name": "Maria Puig",
                    "before_start": "09:00:00",
                    "after_start": "10:30:00",
                }
            ]
        }
    )

    kind: ChangeKind
    visit_id: int
    patient_name: str
    before_start: str | None = Field(description="In the previous version; null if not there.")
    after_start: str | None = Field(description="In the current version; null if not there.")


class MyRouteRead(BaseModel):
    """The therapist's route in the published plan of ``date`` (empty if none is published)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-11-30",
                    "published": True,
                    "plan_id": 5,
                    "plan_version": 2,
                    "therapist_name": "Ana Vidal",
                    "timezone": "Europe/Andorra",
                    "start": "08:00:00",
                    "end": "16:05:00",
                    "travel_back_s": 900,
                    "break": {"start": "12:10:00", "end": "12:40:00"},
                    "home": {"lat": 42.507, "lon": 1.521},
                    "next_visit_id": 12,
                    "stops": [],
                    "previous_version": 1,
                    "changes": [],
                }
            ]
        }
    )

    date: dt.date
    published: bool
    plan_id: int | None
    plan_version: int | None
    therapist_name: str
    timezone: str
    start: str | None = Field(description="Leaving home (HH:MM:SS).")
    end: str | None = Field(description="Back home (HH:MM:SS).")
    travel_back_s: int | None = Field(description="From the last stop to home.")
    break_: BreakRead | None = Field(alias="break", serialization_alias="break")
    home: dict[str, float]
    next_visit_id: int | None = Field(description="The first visit not yet checked out.")
    stops: list[RouteStopRead]
    previous_version: int | None = Field(
        description="The version published before this one, which `changes` compare with."
    )
    changes: list[RouteChangeRead] = Field(
        description="Visits added, removed, or moved by more than 15 minutes since then."
    )


class CheckRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "visit_id": 12,
                    "status": "done",
                    "checked_in_at": "2026-11-30T07:31:00Z",
                    "checked_out_at": "2026-11-30T08:16:00Z",
                    "next_visit_id": 13,
                }
            ]
        }
    )

    visit_id: int
    status: VisitStatus
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    next_visit_id: int | None


class FeedRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"url": "https://homevisit.example/feeds/3/9f2c.../route.ics"}]
        }
    )

    url: str = Field(description="Subscribe to it in a calendar app; it needs no login.")
