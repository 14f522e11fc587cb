"""An account across terms: grade distribution, views by category, subaccounts."""

from __future__ import annotations

import ipywidgets as ipw

from .. import loaders, plots
from ..client import Canvas
from ..endpoints import TERM_SELECTORS
from ..loaders._registry import Term
from ._base import Explorer


class DepartmentExplorer(Explorer):
    """An account across terms: grade distribution, views by category, subaccounts.

    Parameters
    ----------
    account_id : int
        The account.
    canvas : Canvas, optional
        Session (default: the one from ``cf.connect()`` / ``cf.sample()``).

    Examples
    --------
    >>> canvas = cf.sample(quiet=True)
    >>> explorer = DepartmentExplorer(canvas.sample_account_id)
    >>> explorer.term.value = "completed"
    >>> explorer.subaccounts[["name", "courses"]]
                        name  courses
    0     Sandbox University        0
    1  Department of Biology        0
    2  Department of History        1
    """

    def __init__(self, account_id: int, canvas: Canvas | None = None) -> None:
        super().__init__(canvas, f"Account {account_id}")
        self.account_id = account_id
        self.term = ipw.ToggleButtons(options=[*TERM_SELECTORS, "term id"], description="Term")
        self.term_id = ipw.BoundedIntText(min=0, max=2**63 - 1, description="Term id", disabled=True)
        self.grades_area, self.categories_area = self._area(), self._area()
        self.subaccount_table = ipw.HTML()
        self.term.observe(lambda _: self._refresh(), names="value")
        self.term_id.observe(lambda _: self._refresh(), names="value")
        self.children = (
            *self.children,
            ipw.HBox([self.term, self.term_id]),
            self.grades_area,
            self.categories_area,
            self.subaccount_table,
        )
        self._refresh()

    @property
    def selected_term(self) -> Term:
        return int(self.term_id.value) if self.term.value == "term id" else self.term.value

    def _refresh(self) -> None:
        self.term_id.disabled = self.term.value != "term id"
        term = self.selected_term
        frames = self._load(
            f"term {term}",
            lambda: (
                loaders.load_department_grades(self.account_id, term, canvas=self.canvas),
                loaders.load_department_categories(self.account_id, term, canvas=self.canvas),
                loaders.load_subaccount_statistics(self.account_id, term, canvas=self.canvas),
            ),
        )
        if frames is None:
            return
        self.grades, self.categories, self.subaccounts = frames
        self._draw(
            self.grades_area, "grades", lambda ax: plots.plot_grade_distribution(self.grades, bin_width=5, ax=ax)
        )
        self._draw(
            self.categories_area, "categories", lambda ax: plots.plot_category_views(self.categories, ax=ax), (7, 4.5)
        )
        table = self.subaccounts[["subaccount_id", "name", "courses", "teachers", "students"]]
        self.subaccount_table.value = table.to_html(index=False)
