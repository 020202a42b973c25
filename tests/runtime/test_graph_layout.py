"""graph-layout.js, the graph view's layout, run in Node on graphs the engine traced.

The layout is a pure function (nodes and edges in, box positions out), so no browser is
needed: Node imports the module as the page does and the positions come back as JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from quizkit.backprop import Tensor, mse_loss, nn
from quizkit.backprop.tracing import trace

LAYOUT = Path(__file__).resolve().parents[2] / "quizkit" / "web" / "graph-layout.js"
# Prints, for each graph given as JSON on stdin, its layout and the module's box sizes.
SCRIPT = """
const layoutModule = await import(process.argv[1]);
const graphs = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = graphs.map((graph) => {
  const { position, width, height } = layoutModule.layout(graph);
  return { position: Object.fromEntries(position), width, height };
});
const { NODE_W, NODE_H, GAP_X } = layoutModule;
console.log(JSON.stringify({ layouts: out, box: { w: NODE_W, h: NODE_H, gap: GAP_X } }));
"""


def neuron() -> dict:
    w, x, b = Tensor(2.0, requires_grad=True), Tensor(-1.5), Tensor(0.5, requires_grad=True)
    w.name, x.name, b.name = "w", "x", "b"
    loss = ((w * x + b).tanh() - 1.0) ** 2
    loss.backward()
    return trace(loss).to_dict()


def mlp() -> dict:
    rng = np.random.default_rng(0)
    model = nn.MLP([3, 4, 4, 1], rng=rng, residual=True)
    x, y = Tensor(rng.normal(size=(5, 3))), Tensor(rng.normal(size=(5, 1)))
    return trace(mse_loss(model.forward(x), y)).to_dict()


def shared_input() -> dict:
    x = Tensor(3.0, requires_grad=True)
    x.name = "x"
    return trace(x * x + x.exp()).to_dict()


@pytest.fixture(scope="module")
def laid_out():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    graphs = [neuron(), mlp(), shared_input()]
    proc = subprocess.run(
        [node, "--input-type=commonjs", "-e", f"(async () => {{{SCRIPT}}})()", LAYOUT.as_uri()],
        input=json.dumps(graphs), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    result = json.loads(proc.stdout)
    return graphs, result["layouts"], result["box"]


def columns(layout: dict, box: dict) -> dict[int, int]:
    step = box["w"] + box["gap"]
    xs = {int(i): p["x"] for i, p in layout["position"].items()}
    left = min(xs.values())
    assert all((x - left) % step == 0 for x in xs.values())  # boxes stand in columns
    return {i: round((x - left) / step) for i, x in xs.items()}


def test_every_operation_stands_right_of_its_inputs(laid_out):
    graphs, layouts, box = laid_out
    for graph, layout in zip(graphs, layouts, strict=True):
        assert sorted(map(int, layout["position"])) == [n["id"] for n in graph["nodes"]]
        col = columns(layout, box)
        for n in graph["nodes"]:
            for p in n["parents"]:
                assert col[p] < col[n["id"]], (n["label"], p)
            # An operation is one column right of its latest input: no edge longer than needed.
            if n["parents"]:
                assert col[n["id"]] == 1 + max(col[p] for p in n["parents"]), n["label"]


def test_an_input_stands_just_left_of_its_first_use(laid_out):
    graphs, layouts, box = laid_out
    for graph, layout in zip(graphs, layouts, strict=True):
        col = columns(layout, box)
        for n in graph["nodes"]:
            if n["parents"]:
                continue
            users = [m["id"] for m in graph["nodes"] if n["id"] in m["parents"]]
            assert col[n["id"]] == max(0, min(col[u] for u in users) - 1), n["label"]


def test_boxes_do_not_overlap_and_fit_the_drawing(laid_out):
    graphs, layouts, box = laid_out
    for layout in layouts:
        boxes = list(layout["position"].values())
        for i, a in enumerate(boxes):
            assert 0 <= a["x"] and a["x"] + box["w"] <= layout["width"]
            assert 0 <= a["y"] and a["y"] + box["h"] <= layout["height"]
            for b in boxes[i + 1 :]:
                apart_x = abs(a["x"] - b["x"]) >= box["w"]
                apart_y = abs(a["y"] - b["y"]) >= box["h"]
                assert apart_x or apart_y, (a, b)
