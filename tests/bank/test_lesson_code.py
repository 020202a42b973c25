"""Lesson code runs and prose figures are judged (FIGURES.md): cells, raises=, markers, CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from bankhelp import ROOT, TF_ITEM, bank_text

from quizkit.bank import lesson_code
from quizkit.bank.check import check_paths
from quizkit.bank.lesson_code import Marker, describe, judge, read_lesson, stated_number
from quizkit.cli import main

LESSONS = ROOT / "lessons_src"


def write(folder: Path, text: str, name: str = "lesson.md") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def problems(path: Path, time_limit: float = 10.0) -> list[str]:
    """`line: id: field: message` of every problem checking this one lesson finds."""
    report = lesson_code.check_lesson(path, time_limit=time_limit)
    return [f"{p.line}: {p.item_id}: {p.field}: {p.message}" for p in report.problems]


def line_of(path: Path, text: str) -> int:
    """The 1-based line of `path` that contains `text` (found by the test, not the code)."""
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def figure(shown: str, value) -> str | None:
    return judge(Marker(1, 0, 0, "x", shown), describe(value))


# -- the number forms of FIGURES.md, at the precision each one states -------------------------


@pytest.mark.parametrize(
    ("shown", "value"),
    [
        ("0.03", 0.03),
        ("0.03", 0.0349),
        ("0.03", 0.0251),
        ("1.51", 1.5149),
        ("1.51", 1.505),
        ("54", 54.49),
        ("54", 53.6),
        ("0.030", 0.0304),
        ("1.2e-5", 1.249e-5),
        ("1.2e-5", 1.151e-5),
        ("1.2 × 10⁻⁵", 1.24e-5),
        ("1.2×10^-5", 1.16e-5),
        ("3.0e+8", 2.96e8),
        ("10⁵⁴", 3.0e54),  # log10 = 54.48
        ("10⁵⁴", 4.0e53),  # log10 = 53.60
        ("10^54", 1e54),
        ("1e54", 2.9e54),
        ("1 × 10⁵⁴", 5e53),
        ("10⁻¹⁹", 2.5e-19),  # log10 = −18.60
        ("10^−19", 1e-19),
        ("−10⁵", -2e5),
        ("12%", 0.12),
        ("12%", 0.1249),
        ("12 %", 0.1151),
        ("12.5%", 0.1254),
        ("-0.5", -0.5),
        ("−0.5", -0.504),
        ("−0.125", -0.125),
        ("≈ 0.03", 0.031),
        ("~3", 3.4),
        ("≈10⁵⁴", 1.1e54),
        ("0", 0.4),
        ("0.9975", 0.997527),
    ],
)
def test_number_forms_accept_values_within_their_precision(shown, value):
    assert figure(shown, value) is None


@pytest.mark.parametrize(
    ("shown", "value"),
    [
        ("0.03", 0.0351),
        ("0.03", 0.0249),
        ("0.03", 0.3),
        ("1.51", 1.5151),
        ("1.51", 1.5049),
        ("54", 54.51),
        ("54", 53.49),
        ("0.030", 0.0306),  # the trailing zero states one more digit
        ("1.2e-5", 1.26e-5),
        ("1.2e-5", 1.2e-4),
        ("1.2 × 10⁻⁵", 1.14e-5),
        ("1.2×10^-5", 1.2e5),
        ("10⁵⁴", 3.2e54),  # log10 = 54.51
        ("10⁵⁴", 3.0e53),  # log10 = 53.48
        ("1e54", 1e55),
        ("10⁻¹⁹", 4e-19),  # log10 = −18.40
        ("10⁵⁴", -1e54),
        ("10⁵⁴", 0.0),
        ("−10⁵", 1e5),
        ("12%", 0.1251),
        ("12%", 12.0),
        ("12 %", 0.1149),
        ("-0.5", 0.5),
        ("−0.5", 0.5),
        ("~3", 3.6),
        ("0.03", float("nan")),
        ("2.5e400", 1e300),  # beyond a float's range: judged, never an error
        ("10^400", 1e300),
    ],
)
def test_number_forms_reject_values_beyond_their_precision(shown, value):
    message = figure(shown, value)
    assert message is not None
    assert message.startswith(f"prose says {shown} but `x` is ")


def test_mismatch_message_names_both_numbers():
    marker = Marker(12, 0, 0, "ratio", "0.03")
    assert judge(marker, describe(0.0412)) == "prose says 0.03 but `ratio` is 0.0412"
    power = judge(Marker(1, 0, 0, "p", "10⁵⁴"), describe(5e52))
    assert power == "prose says 10⁵⁴ but `p` is 5e+52 (10^52.70)"
    assert judge(Marker(1, 0, 0, "s", "12%"), describe(0.2)) == (
        "prose says 12% but `s` is 0.2 (20%)"
    )


@pytest.mark.parametrize("shown", ["1,000", "≈ 12,345.5", "1,000,000"])
def test_thousands_separators_are_rejected_with_a_message(shown):
    value = float(shown.strip("≈ ").replace(",", ""))
    message = figure(shown, value)
    assert message is not None and "thousands separator" in message
    assert isinstance(stated_number(shown), str)


@pytest.mark.parametrize("shown", ["54 bytes", "about 3", "three", "1.2 x 10^5", "", "3e"])
def test_text_that_is_no_number_form_is_rejected_when_the_figure_is_a_number(shown):
    message = figure(shown, 54.0)
    assert message is not None and "not a number in a form the check reads" in message


def test_numbers_come_from_numpy_scalars_arrays_and_tensors():
    from quizkit.backprop import Tensor

    assert figure("6", np.float32(6.0)) is None
    assert figure("6", np.array([[6.0]])) is None
    assert figure("6", Tensor(6.0)) is None
    assert figure("6", 7) is not None


def test_bools_must_be_true_and_strings_must_equal_shown():
    assert judge(Marker(1, 0, 0, "2 < c < 3", "between two and three"), describe(True)) is None
    assert judge(Marker(1, 0, 0, "2 < c < 3", "between two and three"), describe(np.True_)) is None
    assert judge(Marker(1, 0, 0, "c > 3", "more than three"), describe(False)) == (
        "`c > 3` is False (the prose says 'more than three')"
    )
    assert judge(Marker(1, 0, 0, "name", "relu"), describe("relu")) is None
    assert judge(Marker(1, 0, 0, "name", "relu"), describe("tanh")) == (
        "prose says 'relu' but `name` is 'tanh'"
    )
    other = judge(Marker(1, 0, 0, "pair", "1"), describe([1, 2]))
    assert other is not None and "a figure must be a number, a bool or a str" in other


# -- reading markers and cells ----------------------------------------------------------------


def test_markers_are_read_from_prose_only_and_may_wrap(tmp_path):
    path = write(
        tmp_path,
        """
        # Title

        The ratio is {{ ratio = 0.03 }}, and the power
        is {{ 10 ** 54 =
        10⁵⁴ }}. TeX such as $\\frac{1}{e^{-z}}$ is no marker.

        ```python runnable
        ratio = 0.031
        d = {"a": {{ 1 = 2 }}}
        ```

        ```text
        {{ not = a marker }}
        ```
        """,
    )
    lesson = read_lesson(path)
    assert [(m.line, m.expr, m.shown) for m in lesson.markers] == [
        (3, "ratio", "0.03"),
        (4, "10 ** 54", "10⁵⁴"),
    ]
    assert lesson.problems == []
    assert lesson_code.render_markers(lesson.text, lesson.markers).splitlines()[2:5] == [
        "The ratio is 0.03, and the power",
        "is 10⁵⁴. TeX such as $\\frac{1}{e^{-z}}$ is no marker.",
        "",
    ]


def test_broken_markers_are_reported_on_their_line(tmp_path):
    path = write(
        tmp_path,
        """
        # Title

        A marker without its sign {{ ratio 0.03 }}.

        One never closed {{ ratio = 0.03 and so on.
        """,
    )
    assert problems(path) == [
        "3: figure: marker: `{{ ratio 0.03 }}` is not a figure marker: write {{ EXPR = SHOWN }}",
        "5: figure: marker: `{{` opens a figure marker that is not closed by ` }}`",
    ]


def test_expression_splits_at_the_last_equals_sign(tmp_path):
    path = write(tmp_path, "x is {{ a == 1 = True }} and {{ f(k = 2) = 4 }}\n")
    lesson = read_lesson(path)
    assert [(m.expr, m.shown) for m in lesson.markers] == [("a == 1", "True"), ("f(k = 2)", "4")]


# -- Markdown lessons -------------------------------------------------------------------------

MD_LESSON = """
# A lesson

```python runnable
from quizkit.backprop import Tensor

x = Tensor(2.0, requires_grad=True)
y = x * x * 3.0
y.backward()
slope = float(x.grad)
```

The slope is {{ slope = 12 }} and twice it is {{ double = 24 }}.

```python runnable
double = 2 * 12.0
```
"""


def test_clean_markdown_lesson_runs_and_merges_names(tmp_path):
    path = write(tmp_path, MD_LESSON)
    report = lesson_code.check_lesson(path)
    assert report.problems == [] and report.ran
    assert len(report.lesson.cells) == 2 and len(report.lesson.markers) == 2


def test_each_markdown_cell_starts_with_a_fresh_namespace(tmp_path):
    path = write(tmp_path, MD_LESSON.replace("double = 2 * 12.0", "double = 2 * slope"))
    line = line_of(path, "double = 2 * slope")
    assert problems(path) == [
        f"{line}: cell 2: code: raised NameError: name 'slope' is not defined"
        " at `double = 2 * slope`"
    ]


def test_later_cells_override_earlier_names_for_markers(tmp_path):
    text = MD_LESSON.replace("double = 2 * 12.0", "double = 2 * 12.0\nslope = 13.0")
    path = write(tmp_path, text)
    line = line_of(path, "The slope is")
    assert problems(path) == [f"{line}: figure: marker: prose says 12 but `slope` is 13"]


def test_a_raising_cell_names_the_line_that_raised_even_inside_a_function(tmp_path):
    path = write(
        tmp_path,
        """
        # A lesson

        ```python runnable
        def inner(v):
            return 1 / v

        total = 0
        total += inner(0)
        ```
        """,
    )
    line = line_of(path, "return 1 / v")
    assert problems(path) == [
        f"{line}: cell 1: code: raised ZeroDivisionError: division by zero at `return 1 / v`"
    ]


def test_syntax_errors_are_on_their_line(tmp_path):
    path = write(tmp_path, "# T\n\n```python runnable\nx = 1\ny = (2 +\n```\n")
    (message,) = problems(path)
    assert message == "5: cell 1: code: has a SyntaxError: '(' was never closed"


def test_markers_are_not_judged_when_a_cell_failed(tmp_path):
    path = write(tmp_path, MD_LESSON.replace("slope = float(x.grad)", "slope = float(x.grad) / 0"))
    (message,) = problems(path)
    assert ": cell 1: code: raised ZeroDivisionError" in message


def test_a_marker_whose_expression_raises_is_reported_on_its_line(tmp_path):
    path = write(tmp_path, MD_LESSON.replace("{{ double = 24 }}", "{{ doubel = 24 }}"))
    line = line_of(path, "doubel")
    assert problems(path) == [
        f"{line}: figure: marker: `doubel` raised NameError: name 'doubel' is not defined"
    ]
    write(tmp_path, MD_LESSON.replace("{{ double = 24 }}", "{{ double + = 24 }}"))
    (message,) = problems(path)
    assert message.startswith(f"{line}: figure: marker: `double +` is not a Python expression")


def test_raises_cells_must_raise_that_class_or_a_subclass(tmp_path):
    path = write(
        tmp_path,
        """
        # Exercises

        ```python runnable raises=NameError
        print(undefined_name)
        ```

        ```python runnable raises=ArithmeticError
        1 / 0
        ```

        ```python runnable raises=ValueError
        ok = 1
        ```

        ```python runnable raises=KeyError
        [][3]
        ```

        ```py runnable raises=numpy.linalg.LinAlgError
        import numpy as np
        np.linalg.inv(np.zeros((2, 2)))
        ```
        """,
    )
    no_raise = line_of(path, "raises=ValueError")
    wrong = line_of(path, "[][3]")
    assert problems(path) == [
        f"{no_raise}: cell 3: raises: raises=ValueError, but the cell ran without raising",
        f"{wrong}: cell 4: raises: raises=KeyError, but the cell raised IndexError:"
        " list index out of range at `[][3]`",
    ]


def test_a_malformed_raises_option_is_reported(tmp_path):
    path = write(tmp_path, "# T\n\n```python runnable raises=\nx = 1\n```\n")
    assert problems(path) == [
        "3: (lesson): raises: raises='' must name an exception class, e.g. raises=NameError"
    ]


def test_cells_cannot_end_hang_or_disturb_the_check(tmp_path, capsys):
    cwd = os.getcwd()
    np.random.seed(1234)
    expected_draw = np.random.rand()
    np.random.seed(1234)
    path = write(
        tmp_path,
        """
        # Misbehaving cells

        ```python runnable
        print("printed by a cell")
        import sys
        sys.stderr.write("written to stderr")
        sys.exit(3)
        ```

        ```python runnable
        name = input("your name? ")
        ```

        ```python runnable
        import os, numpy as np
        open("written-by-a-cell.txt", "w").write("x")
        os.chdir(os.path.dirname(os.getcwd()))
        np.random.seed(0)
        np.random.rand(5)
        np.seterr(all="raise")
        ```

        ```python runnable
        while True:
            pass
        ```
        """,
    )
    found = problems(path, time_limit=0.5)
    assert len(found) == 3
    assert found[:2] == [
        f"{line_of(path, 'sys.exit(3)')}: cell 1: code: raised SystemExit: 3 at `sys.exit(3)`",
        f"{line_of(path, 'input(')}: cell 2: code: raised RuntimeError: input() cannot wait for"
        " a reader while lessons are checked; give the value in the code"
        ' at `name = input("your name? ")`',
    ]
    # The time limit stops the loop on one of its two lines.
    assert found[2] in {
        f"{line}: cell 4: code: did not finish within 0.5 s (stopped here)"
        for line in (line_of(path, "while True"), line_of(path, "pass"))
    }
    assert capsys.readouterr() == ("", "")
    assert os.getcwd() == cwd
    assert not (Path(cwd) / "written-by-a-cell.txt").exists()
    assert np.random.rand() == expected_draw
    assert np.geterr()["divide"] != "raise"


# -- notebook lessons -------------------------------------------------------------------------

NOTEBOOK = """
# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown]
# # A notebook
#
# The loss is {{ loss = 0.125 }} and the plot has
# {{ len(ax.lines) = 1 }} line.

# %%
import matplotlib.pyplot as plt
from quizkit.backprop import Tensor

a = Tensor(0.5)
loss = float(((a - 1.0) ** 2 * 0.5).data)

# %% raises=ZeroDivisionError
loss / 0

# %%
fig, ax = plt.subplots()
ax.plot([1, 2], [loss, loss])
plt.show()
backend = plt.get_backend()
"""


def test_notebook_cells_share_one_namespace_and_raises_cells_do_not_stop_it(tmp_path):
    path = write(tmp_path, NOTEBOOK, name="lesson.py")
    lesson = read_lesson(path)
    assert [(c.number, c.line, c.raises) for c in lesson.cells] == [
        (1, line_of(path, "import matplotlib") - 1, None),
        (2, line_of(path, "raises=ZeroDivisionError"), "ZeroDivisionError"),
        (3, line_of(path, "fig, ax") - 1, None),
    ]
    assert [(m.line, m.expr, m.shown) for m in lesson.markers] == [
        (line_of(path, "The loss is"), "loss", "0.125"),
        (line_of(path, "len(ax.lines)"), "len(ax.lines)", "1"),
    ]
    assert problems(path) == []


def test_notebook_problems_are_on_lines_of_the_file(tmp_path):
    text = (
        NOTEBOOK.replace("# %% raises=ZeroDivisionError", "# %% raises=KeyError")
        .replace("{{ loss = 0.125 }}", "{{ loss = 0.14 }}")
        .replace("{{ len(ax.lines) = 1 }}", "{{ backend.lower() = agg }}")
    )
    path = write(tmp_path, text, name="lesson.py")
    assert problems(path) == [
        f"{line_of(path, 'loss / 0')}: cell 2: raises: raises=KeyError, but the cell raised"
        " ZeroDivisionError: float division by zero at `loss / 0`"
    ]
    path.write_text(path.read_text().replace("raises=KeyError", "raises=ArithmeticError"))
    assert problems(path) == [f"{line_of(path, 'The loss is')}: figure: marker: prose says 0.14"
                              " but `loss` is 0.125"]  # fmt: skip
    # The backend check passed: cells draw with Agg, whatever the machine has.


def test_a_failing_notebook_cell_stops_the_notebook(tmp_path):
    text = NOTEBOOK.replace("a = Tensor(0.5)", "a = Tensor(0.5)\nraise OSError('x')")
    path = write(tmp_path, text, name="lesson.py")
    assert problems(path) == [
        f"{line_of(path, 'raise OSError')}: cell 1: code: raised OSError: x at `raise OSError('x')`"
    ]


# -- wired into quizkit check -----------------------------------------------------------------


def test_check_runs_the_lesson_of_every_bank_folder_and_counts_it(tmp_path, capsys):
    folder = tmp_path / "01-topic"
    write(folder, bank_text(TF_ITEM), name="quiz.yml")
    write(folder, MD_LESSON)
    assert main(["check", str(folder / "quiz.yml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.match(
        r"^1 bank, 1 item \(true_false 1\), 1 lesson \(2 cells, 2 figures\) in \d+\.\d s: clean$",
        out[-1],
    ), out
    write(folder, MD_LESSON.replace("{{ slope = 12 }}", "{{ slope = 11 }}"))
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    line = line_of(folder / "lesson.md", "{{ slope = 11 }}")
    assert (
        out[0] == f"{folder / 'lesson.md'}:{line}: figure: marker: prose says 11 but `slope` is 12"
    )


def test_check_takes_a_lesson_file_or_a_lesson_folder_without_a_bank(tmp_path):
    path = write(
        tmp_path / "02-alone", MD_LESSON.replace("slope = float", "raise OSError\nslope =")
    )
    for given in (path, path.parent, tmp_path):
        report = check_paths([given])
        assert [p.path for p in report.problems] == [str(path)], given
        assert report.banks == [] and len(report.lessons) == 1


def test_no_evidence_reads_lessons_without_running_them(tmp_path):
    path = write(
        tmp_path, MD_LESSON.replace("slope = float", "raise OSError\nslope =") + "{{ x }}\n"
    )
    report = check_paths([path], run_evidence=False)
    assert [p.message for p in report.problems] == [
        "`{{ x }}` is not a figure marker: write {{ EXPR = SHOWN }}"
    ]
    assert "1 lesson (2 cells, 2 figures, not run)" in report.summary()


# -- the done-when of issue 8, on copies of real lessons --------------------------------------


def copy_lesson(name: str, into: Path) -> Path:
    """A real lesson's file (no bank) copied to `into/name/`."""
    source = next(p for p in (LESSONS / name).glob("lesson.*"))
    target = into / name / source.name
    target.parent.mkdir(parents=True)
    shutil.copy(source, target)
    return target


def plant_in_first_cell(path: Path, line: str) -> int:
    """Put `line` first in the lesson's first runnable cell; returns its line number."""
    lines = path.read_text().splitlines(keepends=True)
    if path.suffix == ".md":
        at = next(i for i, text in enumerate(lines) if text.startswith("```python runnable"))
    else:
        at = next(i for i, text in enumerate(lines) if text.rstrip() == "# %%")
    lines.insert(at + 1, line + "\n")
    path.write_text("".join(lines))
    return at + 2


MARKER_TEXT = re.compile(r"\{\{ (?P<expr>[^\n]*?) = (?P<shown>[^\n=]*?) \}\}")


def change_a_figure(tmp_path: Path) -> tuple[Path, int]:
    """Copy a real lesson and change the SHOWN of one of its number figures.

    The first marker of the course whose SHOWN is a plain decimal is used; while the course
    has none, lesson 2 gets one quoting its own cell's result (d(JPY)/d(USD) = 110.5), which
    is then changed.
    """
    for source in sorted(LESSONS.glob("*/lesson.*")):
        for match in MARKER_TEXT.finditer(source.read_text()):
            if re.fullmatch(r"[-−]?\d+(\.\d+)?", match["shown"]):
                path = copy_lesson(source.parent.name, tmp_path)
                text = path.read_text()
                old = match.group(0)
                wrong = old.replace(f" = {match['shown']} }}}}", " = 987654.3 }}")
                path.write_text(text.replace(old, wrong, 1))
                return path, line_of(path, wrong)
    path = copy_lesson("02-chain-rule", tmp_path)
    path.write_text(path.read_text() + "\nA dollar buys {{ float(jpy.data) = 110.6 }} yen.\n")
    return path, line_of(path, "110.6")


def test_planted_errors_in_real_lessons_fail_the_check_at_their_line(tmp_path):
    markdown = copy_lesson("02-chain-rule", tmp_path)
    notebook = copy_lesson("07-checkpointing", tmp_path)
    clean = {str(p.path) for p in check_paths([tmp_path]).problems}
    assert str(markdown) not in clean and str(notebook) not in clean
    md_line = plant_in_first_cell(markdown, 'raise RuntimeError("planted")')
    nb_line = plant_in_first_cell(notebook, 'raise RuntimeError("planted")')
    found = [str(p) for p in check_paths([tmp_path]).problems]
    for path, line in ((markdown, md_line), (notebook, nb_line)):
        assert (
            f"{path}:{line}: cell 1: code: raised RuntimeError: planted at `raise"
            ' RuntimeError("planted")`'
        ) in found


def test_quizkit_check_cli_fails_on_a_planted_raise_and_on_a_changed_figure(tmp_path):
    markdown = copy_lesson("03-computational-graphs", tmp_path / "raise")
    raise_line = plant_in_first_cell(markdown, "raise RuntimeError")
    figure_path, figure_line = change_a_figure(tmp_path / "figure")
    result = subprocess.run(
        [sys.executable, "-m", "quizkit", "check", str(tmp_path / "raise"), str(figure_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (
        f"{markdown}:{raise_line}: cell 1: code: raised RuntimeError at `raise RuntimeError`"
    ) in lines
    assert any(
        line.startswith(f"{figure_path}:{figure_line}: figure: marker: prose says 987654.3 but")
        or line.startswith(f"{figure_path}:{figure_line}: figure: marker: prose says 110.6 but")
        for line in lines
    ), result.stdout
    assert "Traceback" not in result.stdout + result.stderr
