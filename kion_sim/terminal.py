"""Tables for a terminal: they fit its width (100 columns by default), however many columns.

Headers wrap at their underscores; long text cells wrap; a table still too wide is printed
as several blocks of columns, each repeating the first (key) column.
"""

from __future__ import annotations

import math

import pandas as pd
from tabulate import tabulate

TERMINAL_WIDTH = 100
_HEADER_WIDTH = 14
_TEXT_WIDTH = 40


def _header(name: object) -> str:
    """``discharge_capacity_mAh_g`` -> ``discharge`` over ``capacity_mAh_g``."""
    lines: list[str] = []
    for word in str(name).split("_"):
        if lines and len(lines[-1]) + 1 + len(word) <= _HEADER_WIDTH:
            lines[-1] += f"_{word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _render(table: pd.DataFrame, floatfmt: str, text_width: int) -> str:
    texts = [not pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    return tabulate(table.to_numpy().tolist(), headers=[_header(c) for c in table.columns],
                    floatfmt=floatfmt, tablefmt="simple", showindex=False, missingval="-",
                    maxcolwidths=[text_width if text else None for text in texts])


def _width(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def format_table(table: pd.DataFrame, width: int = TERMINAL_WIDTH, floatfmt: str = ".4g",
                 text_width: int = _TEXT_WIDTH) -> str:
    """``table`` as text no wider than ``width`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"cycle": [1, 2], "discharge_capacity_mAh_g": [101.5, 99.25]})
    >>> print(format_table(table))
      cycle         discharge
               capacity_mAh_g
    -------  ----------------
          1            101.5
          2             99.25
    """
    if table.empty:
        return "(no rows)"
    text = _render(table, floatfmt, text_width)
    if _width(text) <= width or table.shape[1] == 1:
        return text if _width(text) <= width else _render(table, floatfmt, max(10, width // 2))
    blocks, start = [], 1
    while start < table.shape[1]:  # greedily add columns while the block still fits
        end = start + 1
        while end < table.shape[1] and _width(_render(
                table.iloc[:, [0, *range(start, end + 1)]], floatfmt, text_width)) <= width:
            end += 1
        blocks.append(_render(table.iloc[:, [0, *range(start, end)]], floatfmt, text_width))
        start = end
    return "\n\n".join(blocks)


def format_number_list(values: dict[str, float], width: int = TERMINAL_WIDTH) -> str:
    """``name  value`` lines, names cut to fit ``width``."""
    name_width = min(max(len(name) for name in values), width - 14)

    def shown(value) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return f"{value:12.4g}"
        return f"{value!s:>12}"

    return "\n".join(f"{name[:name_width]:{name_width}s}  {shown(value)}"
                     for name, value in values.items())
