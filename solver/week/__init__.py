"""Planning a horizon of days: the dates and therapists of care-plan visits, and each day's
routes, chosen together (``solve_week``); ``check_week`` verifies a week independently."""
