"""The standard rate test: its blocks, its protocol text and the block table, against counts and
means worked out by hand."""

import pandas as pd
import pytest

from kion_sim.analysis.rate_test import rate_test_table, recovery_pct
from kion_sim.errors import InvalidInputError
from kion_sim.parameters import cell_parameters
from kion_sim.protocols import parse_protocol
from kion_sim.protocols.rate_test import NAMED_PROTOCOLS, RateTest, named_protocol


def test_the_standard_test_is_six_rising_blocks_of_five_then_back_to_100():
    blocks = RateTest().blocks()
    assert [b[0] for b in blocks] == [50, 100, 200, 500, 1000, 2000, 100]
    assert blocks[0][1:] == (1, 5) and blocks[-1][1:] == (31, 35)
    assert RateTest().cycles == 35


def test_its_protocol_text_parses_to_35_cycles_in_the_cells_window():
    cell = cell_parameters("soft_carbon_half_cell")
    text = named_protocol("rate-test", cell)
    assert text == RateTest().protocol(cell) and text.count("\n") == 6
    protocol = parse_protocol(text)
    assert len(protocol.cycles) == 35
    assert "Discharge at 2000 mA/g until 0.01 V" in text and "until 1.5 V" in text
    # any other text is a protocol of its own, passed through
    assert named_protocol("Rest for 1 h", cell) == "Rest for 1 h"
    assert set(NAMED_PROTOCOLS) == {"rate-test"}


@pytest.mark.parametrize("settings, word", [
    (dict(currents_mA_g=()), "positive currents"),
    (dict(currents_mA_g=(100.0, -5.0)), "positive currents"),
    (dict(cycles_each=0), "cycles_each"),
    (dict(return_mA_g=75.0), "return current 75"),
])
def test_a_malformed_rate_test_is_refused_naming_the_problem(settings, word):
    with pytest.raises(InvalidInputError, match=word):
        RateTest(**settings)


def test_the_block_table_averages_each_block_after_its_first_cycle():
    test = RateTest(currents_mA_g=(100.0, 1000.0), cycles_each=3, return_mA_g=100.0)
    # cycles 1-3 at 100, 4-6 at 1000, 7-9 back at 100
    capacity = [330, 300, 298, 150, 120, 118, 297, 295, 293]
    table = rate_test_table(pd.DataFrame({"cycle": range(1, 10), "q": capacity}),
                            test.blocks(), ["q"])
    assert table["q"].tolist() == pytest.approx([299.0, 119.0, 294.0])  # (300+298)/2 ...
    assert table["cycles"].tolist() == ["1-3", "4-6", "7-9"]
    assert recovery_pct(table, "q") == pytest.approx(100 * 294 / 299)


def test_a_table_too_short_for_the_test_is_refused():
    test = RateTest(currents_mA_g=(100.0, 1000.0), cycles_each=3)
    with pytest.raises(InvalidInputError, match="needs 9 cycles"):
        rate_test_table(pd.DataFrame({"cycle": range(1, 7), "q": range(6)}), test.blocks(),
                        ["q"])
