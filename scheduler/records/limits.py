"""The bounds of what one request may hold, one source for every way in: the records'
fields (the CSV import and the record routes), and the size of a stateless day (the problem
JSON of ``POST /solve`` and ``homevisit solve``). ``too_many`` words a refusal alike for all.
"""

from __future__ import annotations

import datetime as dt

# Text lengths: the database columns' sizes, or a sane bound where the column is TEXT.
EXTERNAL_ID_LENGTH = 100
NAME_LENGTH = 200
DISCIPLINE_LENGTH = 40
SKILL_LENGTH = 40
ADDRESS_LENGTH = 1000
PHONE_LENGTH = 40
EMAIL_LENGTH = 254
# An address as the outbox's email needs it: something@domain.tld, no white space.
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
ACCESS_NOTES_LENGTH = 5000

# Every date the service takes (visits, shifts, leave, plans, pages, the day JSON, the CLI,
# the CSV import): far beyond any clinic's bookings either way, and far enough inside the
# calendar's ends that a date's neighbours, weeks and time zones always exist.
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)

DAY_MINUTES = 24 * 60
# A therapist's weekly working-time cap: at most the whole week.
WEEK_MINUTES = 7 * DAY_MINUTES
MAX_VISITS = 1000
MAX_LATITUDE = 90.0
MAX_LONGITUDE = 180.0

# A care plan: at most one visit a day, a visit count that fits any real episode, and
# spacing of up to a quarter of a year.
MAX_VISITS_PER_WEEK = 7
MAX_CARE_PLAN_VISITS = 1000
MAX_DAYS_BETWEEN = 90

# Lists stored as JSON on a record.
MAX_SKILLS = 50
MAX_WINDOWS = 24
MAX_THERAPIST_REFERENCES = 200
# A therapist's week: ten shifts a day at most; more is a typing accident, not a roster.
MAX_WEEKLY_SHIFTS = 70

# A stateless day, with room above the xlarge benchmark day (200 therapists, 2,000 visits,
# 2,157 locations). Every location is a row and a column of each travel matrix: 3,000
# locations are 9 million entries a matrix.
MAX_DAY_VISITS = 2500
MAX_DAY_THERAPISTS = 250
MAX_DAY_LOCATIONS = 3000


def too_many(count: int, noun: str, limit: int) -> str | None:
    """The sentence that refuses ``count`` ``noun`` (plural) where ``limit`` is the most
    allowed; None when ``count`` is within it."""
    return None if count <= limit else f"{count:,} {noun} are too many; at most {limit:,}"
