"""The bottom layer: what every other layer shares and nothing above it defines.

- `vocabulary`: the storage vocabulary (event types, device codes,
  dimensions, wire fields, drop reasons);
- `periodic`: the one way to run a task every few seconds.

Imports nothing of Peil's own.
"""
