"""The stateless day: the problem JSON read into a ``solver.Problem`` (``problem``, with
``entities``, ``matrix`` and ``reader``), the plan JSON written from a ``solver.Solution``
(``plan``), generated days (``generate``, set in the towns of ``towns`` with points from
``geography``) and the terminal roster (``roster``). No database; of ``records`` only the
bounds of ``records.limits``, which a day shares with the API's records.

May import: errors, records, travel.
"""
