"""streamt.local room: the embedded single-machine stack behind `streamt local`.

In: a `StackConfig` (home, cache, ports, heaps, versions; from env/CLI). Out: running
processes (Kafka KRaft, Flink JM/TM + SQL Gateway, Kafka Connect, Apicurio Registry behind a
root proxy) recorded in PID files, their `Endpoints`, and `ProcessStatus` values. Versions are
pinned in `versions.py`; the Maven files of each bundle are locked in `jars.lock.json` and
fetched with httpx (no Maven), wheels come from PyPI via pip; all checked and cached once.
Never kills anything it did not start; every user-facing failure is a K-coded StreamtError.
"""
