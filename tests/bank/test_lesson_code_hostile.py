"""Lesson code written to fool or break the check: engine patches, os._exit, huge ints,
Unicode digits. Each must end as a path:line problem, never as a pass or a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from test_lesson_code import figure, line_of, problems, write

from quizkit.backprop import Tensor


def test_a_cell_that_patches_the_engine_is_reported_and_undone(tmp_path):
    mul, total = Tensor.__mul__, np.sum
    path = write(
        tmp_path,
        """
        # Patching

        ```python runnable
        from quizkit.backprop import Tensor
        import numpy as np
        Tensor.__mul__ = lambda a, b: a
        np.sum = len
        ```

        ```python runnable
        from quizkit.backprop import Tensor
        doubled = float((Tensor(3.0) * 2.0).data)
        ```

        The double is {{ doubled = 6 }}.
        """,
    )
    assert problems(path) == [
        f"{line_of(path, '```python runnable')}: cell 1: code: changed np.sum, Tensor.__mul__"
        " for every later cell; change a copy or a subclass, or put it back before the cell ends"
    ]
    assert Tensor.__mul__ is mul and np.sum is total


def test_a_figure_expression_that_patches_the_engine_is_reported_and_undone(tmp_path):
    mul = Tensor.__mul__
    path = write(
        tmp_path,
        """
        # Patching in a figure

        ```python runnable
        from quizkit.backprop import Tensor
        ```

        It is {{ setattr(Tensor, "__mul__", None) is None = true }}.
        """,
    )
    [found] = problems(path)
    assert found == (
        f'{line_of(path, "It is")}: figure: marker: `setattr(Tensor, "__mul__", None) is None`'
        " changed Tensor.__mul__; a figure only reads"
    )
    assert Tensor.__mul__ is mul


def test_a_cell_calling_os_exit_is_a_problem_and_later_cells_still_run(tmp_path):
    path = write(
        tmp_path,
        """
        # Exit

        ```python runnable
        import os
        os._exit(0)
        ```

        ```python runnable
        raise RuntimeError("still checked")
        ```
        """,
    )
    assert problems(path) == [
        f"{line_of(path, 'os._exit(0)')}: cell 1: code: raised RuntimeError: os._exit() would"
        " end the check with this status, hiding every problem after it at `os._exit(0)`",
        f"{line_of(path, 'still checked')}: cell 2: code: raised RuntimeError: still checked"
        ' at `raise RuntimeError("still checked")`',
    ]


@pytest.mark.parametrize(
    ("shown", "value", "verdict"),
    [
        ("10⁴⁰⁰", 10**400, None),
        ("10^400", -(10**400), "prose says 10^400 but `x` is -10^400.00 (10^400.00)"),
        ("1.5", 10**400, "prose says 1.5 but `x` is 10^400.00"),
        ("12%", 10**400, "prose says 12% but `x` is 10^400.00 (10^402.00%)"),
    ],
)
def test_ints_beyond_a_floats_range_are_judged_not_a_traceback(shown, value, verdict):
    assert figure(shown, value) == verdict


@pytest.mark.parametrize("shown", ["٣", "３", "1.٥"])
def test_unicode_digits_are_no_number_form(shown):
    message = figure(shown, 3.0)
    assert message is not None and "is not a number in a form the check reads" in message
