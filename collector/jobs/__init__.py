"""Background jobs of `peil serve`: partition upkeep (and later rollups, purge)."""
