"""vireo-manager: the control plane for Vireo replication groups.

Runs node processes, owns the stable endpoints, fails over, takes snapshots and
keeps its state in SQLite. See docs/manager.md for the picture.
"""
