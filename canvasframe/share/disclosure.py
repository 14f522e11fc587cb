"""Disclosure control for what a paper publishes: small-cell suppression with its complement, k-anonymity,
and top- and bottom-coding.

**Suppression.** A count table (rows × count columns) is published with its row, column and grand
totals. Every non-zero cell under ``min_cell`` is suppressed (*primary*). Zeros are published:
they say that nobody is in a group, which describes no student. Then cells are suppressed in
addition (*complementary*) until no suppressed cell can be worked out from what is published: for
each suppressed cell the smallest and largest value consistent with the published cells, the
totals, and the knowledge that a suppressed cell is at least one (zeros are published) are found
by linear programming; while any of them is pinned to one value, one more published non-zero
number of a pinned cell's row or column is suppressed: of the first few candidates (cells before
totals, those closing a rectangle with suppressed cells first, then the smallest), the one that
leaves the fewest cells pinned. A total under ``min_cell`` is itself a small cell: it is
suppressed like one, and its cells with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._frames import require
from ..errors import ConfigError

__all__ = ["KAnonymity", "bottom_code", "k_anonymity", "suppress", "top_code"]

TOTAL = "total"  # the name of the totals row and column of a suppressed table


def _linprog() -> Callable[..., Any]:
    try:
        from scipy.optimize import linprog
    except ImportError:  # pragma: no cover - the share extra brings it
        raise ConfigError('Suppression needs scipy: pip install "canvasframe[share]".') from None
    return linprog


def _matrix(table: pd.DataFrame, counts: Sequence[str] | None) -> pd.DataFrame:
    columns = (
        list(counts) if counts is not None else [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    )
    if not columns:
        raise ConfigError("suppress: the table has no count columns; pass counts=[...] naming them.")
    values = table[columns]
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(values[c]) or (values[c].dropna() < 0).any()]
    if bad or values.isna().any().any():
        raise ConfigError(
            f"suppress: count columns must hold non-negative numbers without gaps; check {bad or columns}."
        )
    as_floats = values.to_numpy(dtype=float)  # pragma: no mutate (numbers compare alike as floats or as themselves)
    if not np.allclose(as_floats, np.round(as_floats)):
        raise ConfigError("suppress: counts must be whole numbers (suppress counts, then compute shares).")
    return values.astype("int64")  # pragma: no mutate (whole floats become the same ints in _Table)


class _Table:
    """A count matrix with its margins, and which entries are hidden."""

    def __init__(self, cells: np.ndarray) -> None:
        self.rows, self.cols = cells.shape
        # entries: interior (i, j), row totals (i, -1), column totals (-1, j), the grand total (-1, -1)
        self.value = {(i, j): int(cells[i, j]) for i in range(self.rows) for j in range(self.cols)}
        self.value |= {(i, -1): int(cells[i].sum()) for i in range(self.rows)}
        self.value |= {(-1, j): int(cells[:, j].sum()) for j in range(self.cols)}
        self.value[(-1, -1)] = int(cells.sum())
        self.hidden: set[tuple[int, int]] = set()

    def constraints(self) -> list[list[tuple[int, int]]]:
        """Each additive relation as [total, part, part, ...]."""
        relations = [[(i, -1)] + [(i, j) for j in range(self.cols)] for i in range(self.rows)]
        relations += [[(-1, j)] + [(i, j) for i in range(self.rows)] for j in range(self.cols)]
        relations.append([(-1, -1)] + [(i, -1) for i in range(self.rows)])
        relations.append([(-1, -1)] + [(-1, j) for j in range(self.cols)])
        return relations

    def pinned(self) -> list[tuple[int, int]]:
        """The hidden entries whose value the published ones determine (min == max of the LP)."""
        hidden = sorted(self.hidden)
        if not hidden:
            return []
        index = {entry: n for n, entry in enumerate(hidden)}
        equalities, targets = [], []
        for total, *parts in self.constraints():
            row = np.zeros(len(hidden))
            known = 0.0
            for entry, sign in [(total, -1.0)] + [(p, 1.0) for p in parts]:
                if entry in index:
                    row[index[entry]] += sign  # pragma: no mutate (an entry is once in a relation: = is the same)
                else:
                    known += sign * self.value[entry]
            if row.any():
                equalities.append(row)
                targets.append(-known)
        linprog = _linprog()
        found = []
        for entry, n in index.items():
            objective = np.zeros(len(hidden))
            objective[n] = 1.0  # pragma: no mutate (any positive weight: the ends are whole, so 0 stays 0)
            ends = []
            for sign in (1.0, -1.0):
                result = linprog(sign * objective, A_eq=np.array(equalities), b_eq=np.array(targets),
                                 bounds=[(1, None)] * len(hidden))  # fmt: skip
                ends.append(sign * result.fun if result.status == 0 else math.inf)
            if ends[1] - ends[0] < 1 - 1e-9:  # one whole number fits: the cell is recovered
                found.append(entry)
        return found

    def candidates(self, pinned: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """What could be hidden so that the ``pinned`` entries are not: the published non-zero entries of
        their rows and columns, totals included (a row total's column is the column of totals) but
        last, those that close a rectangle with hidden entries first, then the smallest."""
        lines = {e[0] for e in self.hidden} | {-2 - e[1] for e in self.hidden}
        found: dict[tuple[int, int], bool] = {}
        for i, j in pinned:
            beside = [(i, c) for c in [*range(self.cols), -1]] + [(r, j) for r in [*range(self.rows), -1]]
            for e in beside:
                if e not in self.hidden and self.value[e] > 0:
                    # the entry's other line (its column when it shares the pinned one's row) holds a hidden one
                    other = -2 - e[1] if e[0] == i else e[0]
                    found[e] = found.get(e, False) or other in lines
        # Cells before totals (a hidden total hides a whole row's sum), then as said.
        return sorted(found, key=lambda e: (-1 in e, not found[e], self.value[e], e))

    def complement(self, pinned: list[tuple[int, int]], tries: int = 6) -> tuple[int, int]:
        """The candidate (of the first ``tries``) that leaves the fewest hidden entries recoverable."""
        best: tuple[int, tuple[int, int]] | None = None
        for candidate in self.candidates(pinned)[:tries]:
            self.hidden.add(candidate)
            left = len(self.pinned())
            self.hidden.discard(candidate)
            if best is None or left < best[0]:
                best = (left, candidate)
            if left == 0:
                break
        if best is None:  # pragma: no cover - hiding everything pins nothing
            raise AssertionError("every entry is hidden")
        return best[1]


def suppress(
    table: pd.DataFrame,
    *,
    min_cell: int = 10,
    counts: Sequence[str] | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """The table ready to publish: small cells and what would reveal them hidden, totals added.

    Parameters
    ----------
    table : DataFrame
        One row per group, one column per count (e.g. a ``pivot_table`` of students per section
        and status).
    min_cell : int
        The smallest number of students a published cell may describe (10 is the commonest US
        state rule, 5 is common elsewhere).
    counts : list of str, optional
        The count columns (default: every numeric column).
    by : str, optional
        A column naming the rows (default: the index).

    Returns
    -------
    DataFrame
        The counts (nullable ``Int64``, ``<NA>`` where suppressed) with a ``total`` column and a
        ``total`` row. ``attrs["suppressed"]`` lists the ``primary`` and ``complementary`` cells as
        (row, column) labels, totals included; ``attrs["min_cell"]`` is the threshold.

    Examples
    --------
    >>> table = pd.DataFrame({"on_time": [40, 3, 25], "late": [12, 2, 11]}, index=["A", "B", "C"])
    >>> suppress(table, min_cell=5)
           on_time  late  total
    A           40    12     52
    B         <NA>  <NA>      5
    C         <NA>  <NA>     36
    total       68    25     93
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise ConfigError(f"suppress: min_cell must be a whole number of at least 1, got {min_cell!r}.")
    if by is not None:
        require(table, [by], "suppress", "a count table")
        table = table.set_index(by)
    values = _matrix(table, counts)
    model = _Table(values.to_numpy())
    primary = {e for e, v in model.value.items() if 0 < v < min_cell}
    model.hidden |= primary
    while pinned := model.pinned():
        model.hidden.add(model.complement(pinned))
    labels_r, labels_c = [*values.index, TOTAL], [*values.columns, TOTAL]
    out = pd.DataFrame(
        [[model.value[(i, j)] for j in [*range(model.cols), -1]] for i in [*range(model.rows), -1]],
        index=pd.Index(labels_r, name=values.index.name),
        columns=labels_c,
    ).astype("Int64")
    for i, j in model.hidden:
        out.iloc[i, j] = pd.NA  # pragma: no mutate (None is NA in an Int64 column)
    name = {e: (_plain(labels_r[e[0]]), _plain(labels_c[e[1]])) for e in model.hidden}
    out.attrs["suppressed"] = {
        "primary": sorted((name[e] for e in primary), key=str),
        "complementary": sorted((name[e] for e in model.hidden - primary), key=str),
    }
    out.attrs["min_cell"] = min_cell
    return out


def _plain(label: Any) -> Any:
    """A row or column label as JSON and people read it (a numpy integer as an int)."""
    return label.item() if isinstance(label, np.generic) else label


@dataclass(frozen=True)
class KAnonymity:
    """The k of a release: the fewest people sharing one combination of quasi-identifiers.

    Attributes
    ----------
    k : int
        The size of the smallest group (0 for a frame without rows).
    quasi_identifiers : tuple of str
        The columns an outsider could link on.
    smallest : DataFrame
        The records in the groups of size ``k``: the ones that set it.
    """

    k: int
    quasi_identifiers: tuple[str, ...]
    smallest: pd.DataFrame


def k_anonymity(frame: pd.DataFrame, quasi_identifiers: Sequence[str]) -> KAnonymity:
    """The k of ``frame`` over ``quasi_identifiers``, and the records that set it.

    A group is everyone sharing one combination of the quasi-identifiers (a missing value is a
    value of its own). Where the frame has a ``student_id`` column a group's size counts its
    students, not its rows (a student's many submissions are one person).

    Examples
    --------
    >>> frame = pd.DataFrame({"student_id": [1, 1, 2, 3], "section_id": [7, 7, 7, 8]})
    >>> result = k_anonymity(frame, ["section_id"])
    >>> result.k, result.smallest["student_id"].tolist()
    (1, [3])
    """
    columns = list(quasi_identifiers)
    if not columns:
        raise ConfigError("k_anonymity: name at least one quasi-identifier column.")
    require(frame, columns, "k_anonymity", "a loader or report")
    if frame.empty:
        return KAnonymity(0, tuple(columns), frame)
    # no mutate: pandas reads dropna=None as False, and sizes are given per row, so the groups' order is moot
    # (a test pins that a missing value is a group of its own).
    groups = frame.groupby(columns, dropna=False, sort=False)  # pragma: no mutate
    sizes = groups["student_id"].transform("nunique") if "student_id" in frame else groups[columns[0]].transform("size")
    k = int(sizes.min())
    return KAnonymity(k, tuple(columns), frame[sizes == k])


def top_code(values: pd.Series, *, at: float | None = None, quantile: float | None = None) -> pd.Series:
    """Values above a ceiling replaced by it (a score of 100 %+ or a rare, huge count stops standing out).

    Give the ceiling itself (``at``) or as a quantile of the values (``quantile=0.95``).

    Examples
    --------
    >>> top_code(pd.Series([3, 8, 250]), at=20).tolist()
    [3, 8, 20]
    """
    return _coded(values, at, quantile, "top_code", upper=True)


def bottom_code(values: pd.Series, *, at: float | None = None, quantile: float | None = None) -> pd.Series:
    """Values below a floor replaced by it (the few very low scores stop standing out).

    Examples
    --------
    >>> bottom_code(pd.Series([2.0, 55.5, 91.0]), quantile=0.5).tolist()
    [55.5, 55.5, 91.0]
    """
    return _coded(values, at, quantile, "bottom_code", upper=False)  # pragma: no mutate (upper=None is False)


def _coded(values: pd.Series, at: float | None, quantile: float | None, name: str, *, upper: bool) -> pd.Series:
    if (at is None) == (quantile is None):
        raise ConfigError(f"{name}: give the threshold (at=) or a quantile (quantile=), one of them.")
    if quantile is not None and not 0 <= quantile <= 1:
        raise ConfigError(f"{name}: quantile must be between 0 and 1, got {quantile!r}.")
    threshold = float(values.quantile(quantile)) if quantile is not None else float(at or 0)
    if pd.api.types.is_integer_dtype(values) and not threshold.is_integer():
        # Counts stay whole under a whole threshold; a threshold between two counts makes them fractions
        # (a nullable integer column refuses a fraction outright: it becomes a nullable float column).
        values = values.astype("Float64" if isinstance(values.dtype, pd.api.extensions.ExtensionDtype) else "float64")
    return values.clip(upper=threshold) if upper else values.clip(lower=threshold)
