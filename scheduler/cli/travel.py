"""``homevisit travel calibrate``: fit the great-circle estimate to a road router."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.cli.common import command_parser, open_session, pick_clinic
from scheduler.config import Settings
from scheduler.errors import TravelServiceUnavailable, UnroutableLocations
from scheduler.models import Patient, Therapist
from scheduler.travel import TRAVEL_MODES
from scheduler.travel.cache import CachedProvider
from scheduler.travel.calibrate import calibrate, format_calibration
from scheduler.travel.select import geodesic_provider, osrm_provider

if TYPE_CHECKING:
    import argparse

    from sqlalchemy.orm import Session

    from scheduler.cli.common import Subparsers
    from scheduler.models import Clinic

EXAMPLE = "HOMEVISIT_OSRM_URL=http://127.0.0.1:5000 homevisit travel calibrate"


def add_parsers(commands: Subparsers) -> None:
    """Register ``travel calibrate``."""
    travel = commands.add_parser("travel", help="travel times").add_subparsers(
        dest="travel_command", required=True
    )
    fit = command_parser(
        travel, "calibrate", EXAMPLE, "fit the geodesic detour factor and speed to the OSRM router"
    )
    fit.add_argument("--clinic", help="clinic name (default: the only clinic)")
    fit.add_argument("--mode", choices=TRAVEL_MODES, default="car", help="travel mode")
    fit.add_argument("--sample", type=int, default=200, help="most places to compare")


def run_travel_calibrate(args: argparse.Namespace) -> int:
    """Fit the geodesic figures to the OSRM router over a sample of the clinic's places."""
    settings = Settings.from_env()
    router = osrm_provider(settings)
    if router is None:
        raise TravelServiceUnavailable("calibration needs a road router: set HOMEVISIT_OSRM_URL")
    baseline = geodesic_provider(settings)
    with open_session(args) as session:
        clinic = pick_clinic(session, args.clinic)
        clinic_name = clinic.name
        places = _places(session, clinic, args.sample)
        points = [point for point, _, _ in places]
        try:
            calibration = calibrate(
                CachedProvider(router, session, router.name), points, args.mode, baseline
            )
        except UnroutableLocations as error:
            _, fields, labels = zip(*places, strict=True)
            raise error.named(fields, labels) from None
        session.commit()
    print(f"{clinic_name}: {len(points)} places, against {router.name}")
    print(format_calibration(calibration, baseline))
    speeds = {**dict(settings.geodesic_speeds_kmh), args.mode: round(calibration.speed_kmh, 1)}
    print("\nTo estimate travel like this where no router is configured, set:")
    print(f"  HOMEVISIT_GEODESIC_DETOUR_FACTOR={calibration.detour_factor:.2f}")
    print(f"  HOMEVISIT_GEODESIC_SPEEDS_KMH={','.join(f'{m}={v:g}' for m, v in speeds.items())}")
    return 0


def _places(
    session: Session, clinic: Clinic, sample: int
) -> list[tuple[tuple[float, float], str, str]]:
    """Up to ``sample`` distinct places of the clinic (therapists' homes, patients with
    coordinates), each with its field and label for errors; a fixed seed picks them."""
    places: dict[tuple[float, float], tuple[str, str]] = {}
    therapists = session.scalars(
        sa.select(Therapist).where(Therapist.clinic_id == clinic.id).order_by(Therapist.id)
    )
    for t in therapists:
        field = f"therapists.{t.external_id}.home"
        places.setdefault(
            (t.home_lat, t.home_lon), (field, f"the home of therapist {t.external_id}")
        )
    patients = session.scalars(
        sa.select(Patient)
        .where(Patient.clinic_id == clinic.id, Patient.lat.is_not(None), Patient.lon.is_not(None))
        .order_by(Patient.id)
    )
    for p in patients:
        if p.lat is not None and p.lon is not None:
            label = f"patient {p.external_id} ({p.name})"
            places.setdefault((p.lat, p.lon), (f"patients.{p.external_id}", label))
    chosen = list(places.items())
    if len(chosen) > sample:
        chosen = random.Random(0).sample(chosen, sample)
    return [(point, field, label) for point, (field, label) in chosen]
