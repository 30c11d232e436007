"""``kion-sim list``: the label columns line up whatever the names' lengths."""

from types import SimpleNamespace

from kion_sim.cli import catalogue, main

LONG_CELL = "a_user_cell_whose_name_is_longer_than_any_built_in_one_half_cell"


def _label_columns(lines: list[str], labels: list[str]) -> set[int]:
    return {line.index(label) for line, label in zip(lines, labels, strict=True)}


def test_list_aligns_labels_after_the_longest_name(monkeypatch, capsys):
    cells = {"short": "Short cell", LONG_CELL: "Long cell"}
    materials = {"k": ("metal", "Potassium"), "a_much_longer_material": ("electrolyte", "KPF6")}
    monkeypatch.setattr(catalogue, "cell_names", lambda: list(cells))
    monkeypatch.setattr(catalogue, "load_cell", lambda name: SimpleNamespace(label=cells[name]))
    monkeypatch.setattr(catalogue, "material_names", lambda: list(materials))
    monkeypatch.setattr(catalogue, "load_material", lambda name: SimpleNamespace(
        kind=materials[name][0], label=materials[name][1]))
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    cell_lines, material_lines = lines[1:3], lines[4:6]
    assert lines[0] == "Cells:" and lines[3] == "Materials:"
    # every cell label and every material kind starts in the same column, past the longest name
    name_column = _label_columns(cell_lines + material_lines,
                                 ["Short cell", "Long cell", "metal", "electrolyte"])
    assert len(name_column) == 1 and name_column.pop() > len("  " + LONG_CELL)
    assert len(_label_columns(material_lines, ["Potassium", "KPF6"])) == 1
    for line in cell_lines + material_lines:  # a name never runs into the column after it
        assert "  " in line.strip()


def test_list_names_every_built_in_cell_with_its_label_in_one_column(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    cells = out.split("Cells:\n")[1].split("Materials:")[0].splitlines()
    starts = {len(line) - len(line.split("  ", 2)[-1].lstrip()) for line in cells}
    assert len(starts) == 1, cells
