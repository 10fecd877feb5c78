"""The bounds of the records' fields, one source for the CSV import and the API."""

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
MAX_VISITS = 1000
MAX_LATITUDE = 90.0
MAX_LONGITUDE = 180.0

# Lists stored as JSON on a record.
MAX_SKILLS = 50
MAX_WINDOWS = 24
MAX_THERAPIST_REFERENCES = 200
