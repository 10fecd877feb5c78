"""Services on the clinic's records: therapists (with their weekly shifts and exceptions),
patients and visits; list, read, create, update, delete, and the CSV import.

Each service takes a ``Session`` and the caller's clinic id, finds only that clinic's
records (another clinic's record is ``NotFound``, as a missing one), commits its own
transaction and raises ``scheduler.errors``. Field values arrive as mappings of attribute
name to value, typed and range-checked by the caller (the API's schemas); the services
check what needs the stored state or several fields at once, before changing anything.

The package's ``__init__`` imports nothing, so ``scheduler.importing`` can share
``limits`` without an import cycle.
"""
