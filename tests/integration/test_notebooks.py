"""Every example notebook runs from top to bottom without an error.

The notebooks are stored without outputs; here each is executed in a fresh kernel of the
interpreter running the tests (not whatever "python3" kernel a machine has registered), in its
own folder, so it sees the installed kion_sim as a user would. A notebook that needs an
optional extra lists its modules in its metadata (``"kion_sim": {"requires": ["pybop"]}``)
and is skipped where one is not installed, as that extra's tests are.
"""

import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager

NOTEBOOKS = Path(__file__).resolve().parents[2] / "examples" / "notebooks"
CELL_TIMEOUT_S = 600  # a loaded two-core machine; each notebook takes well under a minute alone


class ThisInterpreter(KernelSpecManager):
    """Kernel specs that all start an IPython kernel of ``sys.executable``."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                "{connection_file}"],
                          display_name=f"Python ({sys.executable})", language="python")


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_notebooks_are_found():
    assert notebook_paths(), f"no notebooks in {NOTEBOOKS}"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    """Outputs are made by running it; stored ones would go stale and bloat the history."""
    notebook = nbformat.read(path, as_version=4)
    stale = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.outputs or cell.execution_count is not None)]
    assert not stale, f"{path.name}: cells {stale} hold outputs; clear them before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.stem)
def test_notebook_runs_without_error(path):
    notebook = nbformat.read(path, as_version=4)
    for module in notebook.metadata.get("kion_sim", {}).get("requires", []):
        pytest.importorskip(module, reason=f"{path.name} needs {module} (an optional extra)")
    kernel = KernelManager(kernel_name="kion_sim_tests", kernel_spec_manager=ThisInterpreter())
    client = nbclient.NotebookClient(notebook, km=kernel, timeout=CELL_TIMEOUT_S,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, on the first error
