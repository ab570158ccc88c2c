"""Parley's benchmarks: `make bench` (`python -m bench.run`) and the studies beside it.

Run from the clone as `python -m bench.NAME`. The package is named `bench`, not `benchmarks`: pysbd
installs a top-level package of that name.
"""
