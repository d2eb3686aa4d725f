"""Helpers shared by several test modules (fixtures stay in the conftest files)."""
