"""The hostile-world fault suite (issue 7); see catalog.py and docs/reliability.md."""
