"""Services on the clinic's records: therapists (with their weekly shifts and exceptions),
patients and visits; list, read, create, update, delete. ``values`` and ``limits`` hold
what the records accept, shared with the CSV import and the API.

Each service takes a ``Session`` and the caller's clinic id, finds only that clinic's
records (another clinic's record is ``NotFound``, as a missing one), commits its own
transaction and raises ``scheduler.errors``. Field values arrive as the frozen dataclasses
of ``inputs`` (a field ``UNSET`` is not given), typed and range-checked by the caller (the
API's schemas); the services check what needs the stored state or several fields at once,
before changing anything.

May import: errors, models, travel.
"""
