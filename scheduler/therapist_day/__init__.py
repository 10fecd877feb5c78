"""A therapist's own day: the published route, check-in and check-out, the calendar feed.

May import: errors, models, exchange, local_time.
"""
