"""The default full cell keeps each electrode inside what its material states, and its
trapped K in the traps; without the guards the same cell crosses, and is told so."""

import json

import pytest

import kion_sim
from kion_sim.analysis.windows import electrode_extremes, limit_crossings, trap_release_onset_V
from kion_sim.cli import main
from kion_sim.fullcell import full_cell_design


def _limit(sets, role, side):
    material = sets.material(sets.electrode("full_cell", role)["material"])
    return material["values"][f"{side} potential limit [V]"]["value"]


@pytest.fixture(scope="module")
def cycled():
    cell = full_cell_design()
    return cell, kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, 100, 6),
                                   model="SPM")


def test_default_cell_stays_inside_every_limit(sets, cycled):
    cell, result = cycled
    extremes = electrode_extremes(result.timeseries, cell)
    assert extremes["cathode_max_V"].max() <= _limit(sets, "cathode", "upper") + 1e-6
    assert extremes["anode_max_V"].max() <= _limit(sets, "anode", "upper") + 1e-6
    assert extremes["anode_max_V"].max() < trap_release_onset_V(cell)
    assert extremes["anode_min_V"].min() > _limit(sets, "anode", "lower")
    assert limit_crossings(extremes, cell) == []


def test_trapped_K_stays_trapped(sets, cycled):
    _, result = cycled
    carbon = sets.electrode("full_cell", "anode")
    trap_mol = (carbon["trap capacity [mAh.g-1]"] * carbon["active mass [g]"] * 3.6 / 96485.33)
    trapped = result.timeseries["K_in_trap_sites_mol"]
    # The sites may go on filling (the cell is short of K); what they give back is the fall
    # from the highest filling so far. It was ~13 % of the sites, through a 1.3 V loop.
    given_back = (trapped.cummax() - trapped).max()
    # Axen's branch switching lets ~1-2 mAh/g of trapped K cycle (the material file's own
    # bound on "trap branch switching rate"): 2 mAh/g of the sites at most.
    bound_mol = 2.0 * carbon["active mass [g]"] * 3.6 / 96485.33
    assert given_back < bound_mol < 0.02 * trap_mol


def test_without_guards_the_crossings_are_warned(sets):
    cell = full_cell_design(window_guards=False)
    result = kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, 100, 2), model="SPM")
    crossed = {(c["electrode"], c["limit"].split()[0])
               for c in limit_crossings(electrode_extremes(result.timeseries, cell), cell)}
    # the review's finding: the cathode overcharged past 3.9 V, the carbon past 1.5 V and
    # past its trap release branch
    assert {("cathode", "upper"), ("anode", "upper"), ("anode", "trap")} <= crossed


def test_full_cell_json_reports_both_extremes(tmp_path, capsys):
    assert main(["full-cell", "--model", "SPM", "--cycles", "2", "--json",
                 "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("anode_min_potential_V", "anode_max_potential_V", "cathode_min_potential_V",
                "cathode_max_potential_V"):
        assert key in summary
    assert summary["limit_warnings"] == []
    assert (tmp_path / "full_cell_electrode_potentials.png").is_file()


@pytest.mark.parametrize("cell", ["soft_carbon_half_cell", "full_cell"])
def test_audit_runs_and_its_ledger_holds(cell, capsys):
    assert main(["audit", cell, "--json", "--only", "trap release"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert abs(report["ledger_start"]["relative_error"]) < 1e-6
    assert abs(report["ledger_end"]["relative_error"]) < 5e-3  # the fast path's drift
    assert report["end_states"]["SEI_volume_over_pore_volume"] < 1
    assert [row["estimate"] for row in report["sensitivity"]] == [
        "soft_carbon_900C: trap release potential [V]"]
