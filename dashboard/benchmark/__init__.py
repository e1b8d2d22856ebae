"""The dashboard's benchmark (issue 6): `python -m dashboard.benchmark --out FILE`, `make bench`.

Test equipment, not part of the app (not in INSTALLED_APPS): it starts the simulator and
the dashboard as separate processes and measures them from outside, with wrk.
"""
