"""The clinic: the tenant that every other record belongs to."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base


class Clinic(Base):
    """A clinic; ``timezone`` is an IANA name such as ``Europe/Andorra``.

    Visit times, shifts and plans are local wall-clock times in this timezone.
    ``routes_version`` rises with every commit that may change what a therapist of the
    clinic sees of their published days (``scheduler.models.versions`` raises it): the API's
    ETags and caches of routes are keyed by it.
    """

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    # The travel provider of this clinic (``geodesic``, ``osrm``); null: the installation's.
    travel_provider: Mapped[str | None] = mapped_column(sa.String(20))
    routes_version: Mapped[int] = mapped_column(
        sa.BigInteger, default=0, server_default=sa.text("0")
    )
