"""The planning day's clock: wall-clock times of a date in a time zone, and the solver's
seconds (``scheduler.local_time.day_clock``).

May import: nothing else in scheduler.
"""

from scheduler.local_time.day_clock import DayClock, day_clock

__all__ = ["DayClock", "day_clock"]
