"""The standard rate test as one named protocol: blocks of cycles at rising currents on one cell,
then back to a low current, so the capacity recovered there says how much of the loss at high
rate was kinetic (recoverable) and how much was damage (issue 21, item 3).

One cell carries its history through every block, as on a cycler: the SEI and the trap sites
of the first cycles, and any damage done at 2000 mA/g, show in the return block. Use it as
``kion-sim simulate --protocol rate-test`` or :func:`RateTest.protocol`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kion_sim.errors import InvalidInputError
from kion_sim.parameters.assemble import CellParameters
from kion_sim.protocols.experiment import galvanostatic_cycles

# The sequence most K-ion anode papers report (e.g. 50-2000 mA/g, 5 or 10 cycles each).
STANDARD_CURRENTS_mA_g = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)


@dataclass(frozen=True)
class RateTest:
    """``cycles_each`` cycles at each of ``currents_mA_g``, then ``cycles_each`` at
    ``return_mA_g`` (which must be one of the currents: the recovery compares the two blocks)."""

    currents_mA_g: tuple[float, ...] = STANDARD_CURRENTS_mA_g
    cycles_each: int = 5
    return_mA_g: float = 100.0

    def __post_init__(self):
        if not self.currents_mA_g or any(not c > 0 for c in self.currents_mA_g):
            raise InvalidInputError(f"a rate test needs positive currents in mA/g, got "
                                    f"{self.currents_mA_g!r}")
        if isinstance(self.cycles_each, bool) or not isinstance(self.cycles_each, int) \
                or self.cycles_each < 1:
            raise InvalidInputError(f"cycles_each must be a whole number >= 1, got "
                                    f"{self.cycles_each!r}")
        if self.return_mA_g not in self.currents_mA_g:
            raise InvalidInputError(f"the return current {self.return_mA_g:g} mA/g must be one "
                                    f"of the test's currents {list(self.currents_mA_g)}, so "
                                    f"the recovery compares like with like")

    def blocks(self) -> list[tuple[float, int, int]]:
        """(current [mA/g], first cycle, last cycle) of every block, the return one last."""
        currents = [*self.currents_mA_g, self.return_mA_g]
        return [(current, 1 + i * self.cycles_each, (i + 1) * self.cycles_each)
                for i, current in enumerate(currents)]

    @property
    def cycles(self) -> int:
        return self.blocks()[-1][2]

    def protocol(self, cell: CellParameters) -> str:
        """Protocol text: one line per block, the cell's standard cycle and window."""
        return "\n".join(galvanostatic_cycles(cell, current, self.cycles_each)
                         for current, _, _ in self.blocks())


NAMED_PROTOCOLS = {"rate-test": RateTest()}


def named_protocol(text: str, cell: CellParameters) -> str:
    """``text`` itself, or the protocol a name in :data:`NAMED_PROTOCOLS` stands for."""
    named = NAMED_PROTOCOLS.get(text.strip().lower())
    return named.protocol(cell) if named is not None else text


def blocks_protocol(cell: CellParameters, blocks: list[tuple[float, int, int]],
                    lower_V: float | None = None, upper_V: float | None = None) -> str:
    """Protocol text of any rate test given as (current [mA/g], first cycle, last cycle)
    blocks, e.g. those read from a measured file; the cell's standard cycle in its window
    (or ``lower_V``-``upper_V``)."""
    return "\n".join(galvanostatic_cycles(cell, current, last - first + 1, lower_V, upper_V)
                     for current, first, last in blocks)
