"""The loader: line numbers for every key and item, and schema errors mapped back to lines."""

from __future__ import annotations

from bankhelp import MCQ_ITEM, TF_ITEM, TRACE_ITEM

from quizkit.bank.load import MAX_BYTES, MAX_DEPTH, format_field, load_bank
from quizkit.bank.model import Mcq, TrueFalse


def test_every_key_and_sequence_item_has_its_line(write_bank):
    loaded = load_bank(write_bank(TF_ITEM + MCQ_ITEM))
    assert not loaded.problems
    lines = loaded.locator.lines
    # title: line 1, intro: 2, items: 3, first item starts on 4
    assert lines[("title",)] == 1
    assert lines[("items",)] == 3
    assert lines[("items", 0)] == 4
    assert lines[("items", 0, "answer")] == 9
    assert lines[("items", 1)] == 13
    assert lines[("items", 1, "options", 0)] == 19
    assert lines[("items", 1, "options", 2, "feedback")] == 21


def test_block_scalar_lines_start_after_the_indicator(write_bank):
    loaded = load_bank(write_bank(MCQ_ITEM))
    # evidence: | sits on line 14; its first line of text on 15, its third on 17
    assert loaded.locator.line(("items", 0, "evidence")) == 14
    assert loaded.locator.text_line(("items", 0, "evidence"), 1) == 15
    assert loaded.locator.text_line(("items", 0, "evidence"), 3) == 17
    # a single-line string's text starts on its own line
    assert loaded.locator.text_line(("items", 0, "prompt"), 1) == 8


def test_missing_paths_fall_back_to_the_nearest_written_ancestor(write_bank):
    loaded = load_bank(write_bank(MCQ_ITEM))
    assert loaded.locator.line(("items", 0, "options", 1, "nothing", 3)) == 11


def test_valid_bank_gives_models(write_bank):
    loaded = load_bank(write_bank(TF_ITEM + MCQ_ITEM + TRACE_ITEM))
    assert loaded.bank is not None
    assert [type(item) for _, item in loaded.items][:2] == [TrueFalse, Mcq]
    assert [index for index, _ in loaded.items] == [0, 1, 2]


def test_one_broken_item_leaves_the_others_validated(write_bank):
    broken = TF_ITEM.replace("two-plus-two", "broken").replace("difficulty: easy", "difficulty: 3")
    loaded = load_bank(write_bank(broken + MCQ_ITEM))
    assert loaded.bank is None
    assert [(index, item.id) for index, item in loaded.items] == [(1, "times-table")]
    (problem,) = loaded.problems
    assert (problem.line, problem.item_id, problem.field) == (6, "broken", "difficulty")


def test_missing_field_points_at_its_item(write_bank):
    loaded = load_bank(write_bank(TF_ITEM.replace('  explanation: "It is."\n', "")))
    assert [str(p) for p in loaded.problems] == [
        f"{loaded.path}:4: two-plus-two: explanation: required field is missing"
    ]


def test_unknown_field_suggests_the_close_name(write_bank):
    typo = MCQ_ITEM.replace('feedback: "That is $2^3$, a power, not a product."', "feedbak: x")
    loaded = load_bank(write_bank(typo))
    (problem,) = loaded.problems
    assert problem.line == 12
    assert problem.field == "options[2].feedbak"
    assert "did you mean 'feedback'?" in problem.message


def test_unknown_field_without_close_match_lists_the_allowed_ones(write_bank):
    loaded = load_bank(write_bank(TF_ITEM.replace("answer: true", "answer: true\n  colour: red")))
    (problem,) = loaded.problems
    assert problem.message.startswith("unknown field 'colour'; allowed here: id, prompt,")


def test_item_without_an_id_is_named_by_position(write_bank):
    loaded = load_bank(write_bank(TF_ITEM.replace("- id: two-plus-two\n  kind", "- kind")))
    (problem,) = loaded.problems
    assert (problem.item_id, problem.field, problem.line) == ("items[0]", "id", 4)


def test_duplicate_yaml_keys_are_reported_with_both_lines(write_bank):
    loaded = load_bank(write_bank(TF_ITEM.replace("answer: true", "answer: true\n  answer: false")))
    (problem,) = loaded.problems
    assert problem.line == 10
    assert "first written on line 9" in problem.message


def test_anchors_and_aliases_are_refused_on_each_line_before_anything_is_built(tmp_path):
    path = tmp_path / "quiz.yml"
    path.write_text(
        "title: T\nintro: I\nitems:\n"
        "  - &tf {id: a, kind: true_false, difficulty: easy, topics: [t], prompt: p,\n"
        "         answer: true, explanation: e, evidence: 'answer = True'}\n"
        "  - {<<: *tf, id: b}\n"
    )
    loaded = load_bank(path)
    assert [(p.line, p.item_id, p.field) for p in loaded.problems] == [
        (4, "(bank)", "yaml"),
        (6, "(bank)", "yaml"),
    ]
    assert "aliases (*name) are not allowed" in loaded.problems[0].message
    assert loaded.raw is None and loaded.items == []


def test_nesting_deeper_than_the_limit_is_refused_on_its_line(tmp_path):
    path = tmp_path / "quiz.yml"
    for nested in ("[" * 5000 + "]" * 5000, "{a: " * 5000 + "}" * 5000):
        path.write_text(f"title: T\nintro: I\nitems: {nested}\n")
        (problem,) = load_bank(path).problems
        assert (problem.line, problem.field) == (3, "yaml")
        assert f"more than {MAX_DEPTH} levels" in problem.message
    block = "".join(" " * depth + "-\n" for depth in range(1, MAX_DEPTH + 5))
    path.write_text(f"title: T\nintro: I\nitems:\n{block}")
    (problem,) = load_bank(path).problems
    # items is level 1, so the list opened on line 3 + MAX_DEPTH is one level too deep.
    assert problem.line == 3 + MAX_DEPTH


def test_nesting_up_to_the_limit_loads(tmp_path):
    path = tmp_path / "quiz.yml"
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    path.write_text(f"title: T\nintro: I\nitems: {nested}\n")
    assert "levels" not in " ".join(p.message for p in load_bank(path).problems)


def test_a_file_over_the_size_limit_is_not_parsed(tmp_path):
    path = tmp_path / "quiz.yml"
    path.write_text("title: T\nintro: I\n" + "# padding\n" * (MAX_BYTES // 10))
    (problem,) = load_bank(path).problems
    assert (problem.line, problem.field) == (1, "-")
    assert f"more than the {MAX_BYTES:,}" in problem.message


def test_yaml_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "quiz.yml"
    path.write_text("title: x\nintro: y\nitems:\n  - id: a\n   kind: mcq\n")
    (problem,) = load_bank(path).problems
    assert (problem.line, problem.item_id, problem.field) == (5, "(bank)", "yaml")
    assert problem.message.startswith("YAML syntax error:")


def test_not_utf8_and_missing_files_are_problems_not_exceptions(tmp_path):
    path = tmp_path / "quiz.yml"
    path.write_bytes(b"title: x\nintro: \xff\n")
    (problem,) = load_bank(path).problems
    assert (problem.line, problem.message) == (2, "the file is not UTF-8 text")
    (problem,) = load_bank(tmp_path / "absent.yml").problems
    assert "cannot read" in problem.message


def test_control_character_is_reported_on_its_line(tmp_path):
    path = tmp_path / "quiz.yml"
    path.write_text("title: x\nintro: y\nitems: [\x07]\n")
    (problem,) = load_bank(path).problems
    assert problem.line == 3
    assert "not allowed" in problem.message


def test_shown_name_replaces_the_path_in_problems(tmp_path):
    path = tmp_path / "quiz.yml"
    path.write_text("title: x\n")
    problems = load_bank(path, "lessons_src/01-x/quiz.yml").problems
    assert [str(p) for p in problems] == [
        "lessons_src/01-x/quiz.yml:1: (bank): intro: required field is missing",
        "lessons_src/01-x/quiz.yml:1: (bank): items: required field is missing",
    ]


def test_format_field():
    assert format_field(("options", 1, "feedback")) == "options[1].feedback"
    assert format_field(("params", "x", "range", 0)) == "params.x.range[0]"
    assert format_field(()) == "-"
