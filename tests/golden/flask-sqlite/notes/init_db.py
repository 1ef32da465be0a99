"""The release step: creates the SQLite file and its table (run before the app starts, against an empty disk)."""

import os
import sqlite3

with sqlite3.connect(os.environ["NOTES_DB"]) as db:
    db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
print(f"notes table ready in {os.environ['NOTES_DB']}")
