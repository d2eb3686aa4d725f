"""Named, parameterised queries for the configuration tables (sites, users, tokens)."""
