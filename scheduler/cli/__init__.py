"""``homevisit``, the command line: ``main`` parses and dispatches (and runs the stateless
``solve``, ``generate``, ``db`` and ``serve``); ``clinic`` holds the coordinator's commands on
the stored clinic, ``users`` and ``travel`` their own groups, ``deliver`` the outbox's
delivery worker, ``worker`` the Celery solve worker, ``backup`` the ``db dump`` and
``db restore`` of a clinic, ``common`` what those share, and ``demo`` seeds the demo clinic.

May import: config, errors, models, db, accounts, records, travel, exchange, day_json,
planning, notify, jobs, local_time, backup.
"""
