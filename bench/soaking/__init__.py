"""`make soak`'s scenarios, one job per module; bench/soak.py is the entry point that runs them.

- common: paths, the run's options, the table's rows, percentiles, cores;
- fake: the Slack stand-in in a process of its own; client: signed requests in bursts;
- bots: starting ``python -m bot serve`` and reading what it stored;
- load, attacks, front_door (+ front_door_scenarios), workspaces, postgres (+ cpu, and sampler,
  the CPU sampler ``--profile`` runs the workers under): the scenarios;
- page: the table, printed and written as docs/soak.md.

The repository's root goes on sys.path here, so the scenarios can use the end-to-end tests'
harness (tests/e2e/harness) as the tests do.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
