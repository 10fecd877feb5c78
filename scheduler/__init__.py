"""The clinic's side of homevisit: records, planning, travel times, exchange formats, CLI.

At the top only what every package uses: ``config`` (the ``HOMEVISIT_*`` settings) and
``errors`` (what services raise). The rest lives in packages named by role; each package's
docstring ends with a ``May import:`` line naming the siblings it may use, which
``tests/test_layering.py`` enforces. ``scheduler`` never imports ``api``.
"""
