"""Background jobs of `peil serve`: partition upkeep, rollups, the daily purge
and the checks of open forget requests."""
