"""Backups of one clinic: ``dump_clinic`` writes its records and plans as one portable file,
``restore_clinic`` checks such a file and writes it into a database in one transaction,
under new ids. ``rules`` says which tables a backup holds; ``fileformat`` is the file.

May import: errors, models, db.
"""

from scheduler.backup.dump import dump_clinic
from scheduler.backup.fileformat import ClinicBackup, read_backup, write_backup
from scheduler.backup.restore import RestoreReport, check_backup, restore_clinic

__all__ = [
    "ClinicBackup",
    "RestoreReport",
    "check_backup",
    "dump_clinic",
    "read_backup",
    "restore_clinic",
    "write_backup",
]
