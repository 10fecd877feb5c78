"""The stateless day: the problem JSON read into a ``solver.Problem`` (``problem``, with
``entities``, ``matrix`` and ``reader``), the plan JSON written from a ``solver.Solution``
(``plan``), generated days (``generate``, set in the towns of ``towns`` with points from
``geography``) and the terminal roster (``roster``). No database: of the records it reads
only the plain bounds of ``records.limits`` and ``records.values`` (the range of dates).

May import: errors, travel, records, local_time.
"""
