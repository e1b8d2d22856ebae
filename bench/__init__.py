"""Benchmarks of Flownally Supervisor: test equipment, run from a checkout, not shipped.

Outside the `dashboard` package on purpose: the wheel (pyproject's packages.find) and the
Docker image (the Dockerfile's COPY lines) leave it out.

- `python -m bench --out FILE` (`make bench`): the dashboard under load (issue 6). It starts
  the simulator and the dashboard as separate processes and measures them from outside,
  with wrk.
"""
