"""``homevisit``, the command line: ``main`` parses and dispatches, ``clinic`` holds the
commands on the stored clinic, ``demo`` seeds the demo clinic.

May import: config, errors, models, db, accounts, records, travel, exchange, day_json,
planning.
"""
