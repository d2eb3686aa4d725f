"""The dashboard: stats API over the rollup tables, login sessions, raw export."""
