"""Retention: how long raw events and aggregates live, and the purge that enforces it.

plan.py decides (pure: dates in, actions out), purge.py carries the plan out
on the database, aggregates.py holds the separate rule for aggregate tables.
"""
