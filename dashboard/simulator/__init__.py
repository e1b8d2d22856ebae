"""A local fake of the Flownally messaging API, for demos, tests and benchmarks.

As in moto, the fake's state and rules are apart from its HTTP layer:

  HTTP    server.py (reading requests, writing answers), routes.py, multipart.py,
          idempotency.py; control.py (the /_sim/ test API); simulator.py (what one
          running simulator holds)
  tenant  backend.py (one method per API operation) over state.py (records, indexes);
          a module per job: conversations, messages, recipients, reactions, media,
          directory, customers (traffic), delivery; config.py (run-time settings)
  seed    seed.py (the reference records; build), generated.py, corpus.py, content.py
  shared  models.py, render.py (the contract's JSON), validation.py, listing.py, ids.py,
          clock.py, errors.py, faults.py
"""
