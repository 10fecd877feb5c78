"""Files coordinators exchange with other tools: CSV tables and their import (all rows or
none, ``upload`` commits it), plan exports as CSV, JSON, ICS and GeoJSON, and the names the
terminal roster of a stored plan shows.

May import: errors, models, records, travel, day_json, local_time.
"""
