"""kion-sim eis: writes its four files whole, fits a measured CSV, refuses bad input."""

from __future__ import annotations

import pandas as pd

from kion_sim.cli import main


def test_eis_writes_csv_figures_and_fit(tmp_path, capsys):
    out = tmp_path / "eis"
    assert main(["eis", "k0p6coo2_half_cell", "--after-cycles", "0", "--model", "SPM",
                 "--soc", "0.3", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "bode.png", "equivalent_circuit.csv", "impedance.csv", "nyquist.png"]
    table = pd.read_csv(out / "impedance.csv")
    assert {"frequency_Hz", "re_Z_ohm", "minus_im_Z_ohm", "re_Z_ohm_cm2",
            "minus_im_Z_ohm_cm2", "part"} <= set(table.columns)
    assert len(table[table["part"] == "cell"]) == 50
    assert "R_ct" in capsys.readouterr().out
    # the written spectrum is a "measured" one for --fit-csv
    assert main(["eis", "--fit-csv", str(out / "impedance.csv"), "--arcs", "1",
                 "--out", str(tmp_path)]) == 0
    assert "Warburg_sigma" in capsys.readouterr().out


def test_eis_bad_inputs_are_one_line_errors(tmp_path, capsys):
    assert main(["eis", "no_such_cell", "--out", str(tmp_path)]) == 2
    assert "valid cells" in capsys.readouterr().err
    assert main(["eis", "k0p6coo2_half_cell", "--after-cycles", "1",
                 "--out", str(tmp_path)]) == 2
    assert "2 or more" in capsys.readouterr().err
    assert main(["eis", "k0p6coo2_half_cell", "--soc", "2", "--after-cycles", "0",
                 "--out", str(tmp_path)]) == 2
    assert "soc must lie in 0-1" in capsys.readouterr().err
    assert not any(p.suffix == ".png" for p in tmp_path.iterdir())
