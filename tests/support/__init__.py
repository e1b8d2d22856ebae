"""What the tests share that is not a fixture: one home, so that no test module imports from
a conftest and no helper is written twice.

- `simulator`: the simulator as tests reach it (`SimHandle`), its tokens and tenant size,
  fault injection and waiting on its request log.
- `upstream`: `Upstream`, the requests one test caused, counted as they start and finish.
- `reader_process`: a second dashboard process for the cross-process single-flight tests.
- `accounts`: the password and names of the accounts tests create.
- `browser`: screenshots kept as test artifacts.

Fixtures and hooks stay in the conftest files; they import from here.
"""
