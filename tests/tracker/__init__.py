"""Tests of the browser tracker (tracker_js/): build, size budget, captured beacons."""
