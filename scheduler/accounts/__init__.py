"""Logins: users with argon2 password hashes (``users``), bearer tokens and calendar-feed
secrets (``tokens``).

May import: errors, models.
"""
