"""builder lock: the app's production dependencies, pinned with hashes for the image's Python and platform.

Modules, in the order the data flows: inputs (requirements, formats) -> devtools -> resolve (uv) -> compat and
buildneeds -> index (sizes) -> make (the whole run) -> lockfile (the file and its record) -> check (--check).
This package's __init__ imports nothing, so the plan can read a lock's record without loading the resolver.
"""
