"""Background jobs of `peil serve`: partition upkeep, the daily purge (and later rollups)."""
