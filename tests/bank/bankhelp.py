"""Helpers for the bank tests: small banks to write, and the course's real banks."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from quizkit.bank.load import LoadedBank, load_bank

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons_src"
SCAFFOLD = ROOT / "quizkit" / "scaffold" / "quiz.yml"


def real_bank_paths() -> list[Path]:
    """Every lesson's quiz.yml; the scaffold's example bank only while no lesson has one."""
    found = sorted(LESSONS.glob("*/quiz.yml"))
    return found or [SCAFFOLD]


def load_real(path: Path) -> LoadedBank:
    """Load a real bank; the scaffold's placeholders are filled in as `quizkit new` does."""
    if path == SCAFFOLD:
        return _scaffold_bank()
    return load_bank(path, str(path.relative_to(ROOT)))


_SCAFFOLD_CACHE: dict[str, LoadedBank] = {}


def _scaffold_bank() -> LoadedBank:
    if "bank" not in _SCAFFOLD_CACHE:
        import tempfile

        text = SCAFFOLD.read_text().replace("__TITLE__", "Example").replace("__SLUG__", "example")
        folder = Path(tempfile.mkdtemp(prefix="quizkit-scaffold-"))
        (folder / "quiz.yml").write_text(text)
        _SCAFFOLD_CACHE["bank"] = load_bank(folder / "quiz.yml")
    return _SCAFFOLD_CACHE["bank"]


def bank_text(items: str, title: str = "Test bank") -> str:
    """A bank's YAML from the YAML of its items (indented as list entries under items:)."""
    body = textwrap.indent(textwrap.dedent(items).strip("\n"), "  ") + "\n"
    return f'title: "{title}"\nintro: "For a test."\nitems:\n{body}'


TF_ITEM = """
- id: two-plus-two
  kind: true_false
  difficulty: easy
  topics: [testing]
  prompt: "Two plus two is four."
  answer: true
  explanation: "It is."
  evidence: "answer = 2 + 2 == 4"
"""

MCQ_ITEM = """
- id: times-table
  kind: mcq
  difficulty: easy
  topics: [testing]
  prompt: "What is $2 \\\\times 3$?"
  options:
    - {id: six, text: "6", value: 6, correct: true}
    - {id: five, text: "5", value: 5, feedback: "That adds: $2 + 3$, not a product."}
    - {id: eight, text: "8", value: 8, feedback: "That is $2^3$, a power, not a product."}
  explanation: "Multiply."
  evidence: |
    x = Tensor(2.0, requires_grad=True)
    (x * 3.0).backward()
    answer = float(x.grad) * 2.0
"""

TRACE_ITEM = """
- id: scale-trace
  kind: numeric_trace
  difficulty: easy
  topics: [testing]
  prompt: "Compute $y = w x$ and $dy/dw$."
  params:
    x: {value: 1.5, range: [1.0, 2.0], step: 0.5}
    w: {value: 2.0}
  code: |
    x_t = Tensor(x, name="x")
    w_t = Tensor(w, requires_grad=True, name="w")
    y = w_t * x_t
    y.name = "y"
    y.backward()
  root: y
  quantities:
    - name: y
      label: "$y$"
      value: y.data
      expect: 3.0
    - name: dy_dw
      label: "$dy/dw$"
      value: w_t.grad
      mistakes:
        - {id: used-w, value: "w", feedback: "That is $w$; the gradient is $x$."}
  explanation: "Swap and scale."
  evidence: |
    assert dy_dw == x
"""

MATCHING_ITEM = """
- id: gates
  kind: matching
  difficulty: easy
  topics: [gates]
  prompt: "Match."
  pairs:
    - {id: add, term: "Add gate", definition: "passes it on"}
    - {id: mul, term: "Multiply gate", definition: "swaps and scales"}
    - {id: relu, term: "ReLU", definition: "routes it by sign"}
  explanation: "e"
  evidence: "answer = {'add': 'add', 'mul': 'mul', 'relu': 'relu'}"
"""

ORDERING_ITEM = """
- id: steps
  kind: ordering
  difficulty: easy
  topics: [training]
  prompt: "Order."
  steps:
    - {id: forward, text: "Forward"}
    - {id: loss, text: "Loss"}
    - {id: backward, text: "Backward"}
    - {id: update, text: "Update"}
  explanation: "e"
  evidence: "answer = ['forward', 'loss', 'backward', 'update']"
"""

SHORT_ANSWER_ITEM = """
- id: why
  kind: short_answer
  difficulty: easy
  topics: [t]
  prompt: "Why?"
  model_answer: "Because."
  explanation: "e"
  evidence: "assert True"
"""


def with_evidence(item: str, evidence: str) -> str:
    """The item's YAML with its one-line evidence replaced by `evidence`."""
    return re.sub(r'evidence: ".*"', lambda _: f'evidence: "{evidence}"', item, count=1)
