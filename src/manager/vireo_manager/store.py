"""The manager's durable state: one SQLite file (WAL) in the data directory.

Entities (groups, nodes, snapshots, parameter groups) are JSON documents keyed
by id in one table per kind, because their shapes change more often than their
access paths; events and metric minutes get real columns since they are
queried by time. Thread-safe: one connection guarded by a lock, every call is
its own transaction.
"""

import json
import os
import sqlite3
import threading

KINDS = ("groups", "nodes", "snapshots", "param_groups", "settings",
         "users", "user_groups", "ops")


class Store:
  def __init__(self, data_dir):
    self.path = os.path.join(data_dir, "manager.db")
    self._lock = threading.Lock()
    self._db = sqlite3.connect(self.path, check_same_thread=False,
                               isolation_level=None, timeout=10)
    self._db.execute("PRAGMA journal_mode=WAL")
    self._db.execute("PRAGMA synchronous=NORMAL")
    for kind in KINDS:
      self._db.execute(f"CREATE TABLE IF NOT EXISTS {kind} "
                       "(id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    self._db.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY "
                     "KEY AUTOINCREMENT, ts REAL, source_type TEXT, "
                     "source_id TEXT, message TEXT)")
    self._db.execute("CREATE INDEX IF NOT EXISTS events_ts ON events(ts)")
    self._db.execute("CREATE TABLE IF NOT EXISTS metrics (node_id TEXT, "
                     "name TEXT, minute INTEGER, count INTEGER, sum REAL, "
                     "min REAL, max REAL, PRIMARY KEY(node_id, name, minute))")

  def close(self):
    with self._lock:
      self._db.close()

  # --- JSON documents -----------------------------------------------------
  def get(self, kind, key):
    with self._lock:
      row = self._db.execute(f"SELECT doc FROM {kind} WHERE id=?",
                             (key,)).fetchone()
    return json.loads(row[0]) if row else None

  def list(self, kind):
    with self._lock:
      rows = self._db.execute(f"SELECT doc FROM {kind} ORDER BY id").fetchall()
    return [json.loads(r[0]) for r in rows]

  def put(self, kind, key, doc):
    with self._lock:
      self._db.execute(f"INSERT OR REPLACE INTO {kind}(id, doc) VALUES(?, ?)",
                       (key, json.dumps(doc, sort_keys=True)))

  def insert(self, kind, key, doc):
    """Like put, but returns False instead of overwriting an existing id."""
    with self._lock:
      try:
        self._db.execute(f"INSERT INTO {kind}(id, doc) VALUES(?, ?)",
                         (key, json.dumps(doc, sort_keys=True)))
        return True
      except sqlite3.IntegrityError:
        return False

  def update(self, kind, key, **fields):
    """Read-modify-write of one document under the lock; returns it."""
    with self._lock:
      row = self._db.execute(f"SELECT doc FROM {kind} WHERE id=?",
                             (key,)).fetchone()
      if not row:
        return None
      doc = json.loads(row[0])
      doc.update(fields)
      self._db.execute(f"UPDATE {kind} SET doc=? WHERE id=?",
                       (json.dumps(doc, sort_keys=True), key))
      return doc

  def delete(self, kind, key):
    with self._lock:
      self._db.execute(f"DELETE FROM {kind} WHERE id=?", (key,))

  def batch(self, changes):
    """Applies several changes in one transaction: all or none survive a
    crash. changes: ("put", kind, key, doc), ("insert", kind, key, doc)
    (returns False, changing nothing, if that id exists), ("update", kind,
    key, fields) or ("delete", kind, key)."""
    with self._lock:
      self._db.execute("BEGIN IMMEDIATE")
      try:
        for change in changes:
          op, kind, key = change[:3]
          if op == "insert":
            if self._db.execute(f"SELECT 1 FROM {kind} WHERE id=?",
                                (key,)).fetchone():
              self._db.execute("ROLLBACK")
              return False
            op = "put"
          if op == "put":
            self._db.execute(f"INSERT OR REPLACE INTO {kind}(id, doc) "
                             "VALUES(?, ?)",
                             (key, json.dumps(change[3], sort_keys=True)))
          elif op == "update":
            row = self._db.execute(f"SELECT doc FROM {kind} WHERE id=?",
                                   (key,)).fetchone()
            if row:
              doc = json.loads(row[0])
              doc.update(change[3])
              self._db.execute(f"UPDATE {kind} SET doc=? WHERE id=?",
                               (json.dumps(doc, sort_keys=True), key))
          elif op == "delete":
            self._db.execute(f"DELETE FROM {kind} WHERE id=?", (key,))
          else:
            raise ValueError(f"unknown change {op!r}")
      except BaseException:
        self._db.execute("ROLLBACK")
        raise
      self._db.execute("COMMIT")
      return True

  # --- events -------------------------------------------------------------
  def add_event(self, ts, source_type, source_id, message):
    with self._lock:
      self._db.execute("INSERT INTO events(ts, source_type, source_id, "
                       "message) VALUES(?,?,?,?)",
                       (ts, source_type, source_id, message))

  def events(self, start, end, source_type=None, source_id=None):
    sql = "SELECT ts, source_type, source_id, message FROM events " \
          "WHERE ts>=? AND ts<=?"
    args = [start, end]
    if source_type:
      sql += " AND source_type=?"
      args.append(source_type)
    if source_id:
      sql += " AND source_id=?"
      args.append(source_id)
    with self._lock:
      return self._db.execute(sql + " ORDER BY seq", args).fetchall()

  def prune_events(self, before):
    with self._lock:
      self._db.execute("DELETE FROM events WHERE ts<?", (before,))

  # --- metrics (one row per node, metric and minute) ---------------------
  def add_samples(self, minute, samples):
    """samples: iterable of (node_id, name, value) observed in `minute`."""
    with self._lock:
      self._db.execute("BEGIN")
      for node_id, name, value in samples:
        self._db.execute(
            "INSERT INTO metrics VALUES(?,?,?,1,?,?,?) ON CONFLICT(node_id, "
            "name, minute) DO UPDATE SET count=count+1, sum=sum+excluded.sum,"
            " min=MIN(min, excluded.min), max=MAX(max, excluded.max)",
            (node_id, name, minute, value, value, value))
      self._db.execute("COMMIT")

  def metric_minutes(self, node_ids, name, start_minute, end_minute):
    marks = ",".join("?" * len(node_ids))
    with self._lock:
      return self._db.execute(
          f"SELECT node_id, minute, count, sum, min, max FROM metrics WHERE "
          f"node_id IN ({marks}) AND name=? AND minute>=? AND minute<? "
          "ORDER BY minute", (*node_ids, name, start_minute,
                              end_minute)).fetchall()

  def prune_metrics(self, before_minute):
    with self._lock:
      self._db.execute("DELETE FROM metrics WHERE minute<?", (before_minute,))
