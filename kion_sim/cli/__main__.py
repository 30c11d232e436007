"""``python -m kion_sim.cli``: the same as the ``kion-sim`` console script."""

import sys

from kion_sim.cli import main

sys.exit(main())
