"""The course quiz (`quiz/`): a seeded draw of questions from every bank, taken as an exam.

Python does what needs the build: it renders every eligible item once with the site's own
renderer (render.py) into one same-origin JSON asset, with the metadata the browser needs
(difficulty, topics, minutes from stats.item_minutes, lesson, glossary terms used) and the
draw's rules below. The draw itself and the header it gets (count, time, difficulty mix,
topics, glossary) are computed in the browser by quiz-course.js, from that asset alone, so
each rule is written once. The page's own HTML is a light shell that states the rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from quizkit.bank import kinds
from quizkit.bank.model import DIFFICULTIES, Bank, Item

from .glossary import Term, bank_texts, terms_used
from .render import RenderContext, Renderer
from .stats import item_minutes

PAGE_SRC = "quiz/index.md"
POOL_URI = "quiz/items.json"
TITLE = "Backpropagation deep dive"
# Questions drawn per difficulty (issue 9: 15 questions, 5 easy, 6 medium, 4 hard).
DRAW = {"easy": 5, "medium": 6, "hard": 4}
# Kinds the page marks by itself. Short answers and interview questions are rated by the
# learner after seeing the model answer, which does not fit a quiz marked on submission.
KINDS = tuple(kind.name for kind in kinds.all_kinds() if not kind.self_assessed)
# The quiz's intended length in minutes (issue 9: about 25), from the items' own estimates:
# of several candidate draws for a seed, the one closest to it is taken.
TARGET_MINUTES = 25
CANDIDATE_DRAWS = 40
# A trace is several hand computations (6 to 16 minutes here): more than one would fill most
# of the quiz's time.
MAX_PER_KIND = {"numeric_trace": 1}
# Stored in the same progress store as lesson answers, under ids with this prefix, so the
# two never mix (quiz.js keys an exam's records with it).
STORE_PREFIX = "course-quiz:"
# The quiz's own state (seed, submitted, timer) in localStorage.
STATE_KEY = "backprop-lab:course-quiz:v1"
# The most recently opened quizzes keep their answers, each under its seed; older ones are
# forgotten (records are bounded, see progress.py).
KEEP_QUIZZES = 5


@dataclass(frozen=True)
class Source:
    """One bank with where its lesson is: what the pool is made from."""

    bank: Bank
    path: Path
    lesson_title: str
    lesson_url: str  # relative to the quiz page


def item_terms(bank: Bank, item: Item, terms: list[Term]) -> list[Term]:
    """The glossary terms one item's learner-facing text uses (glossary.bank_texts' rule)."""
    alone = bank.model_copy(update={"title": "", "intro": "", "items": [item]})
    return terms_used(terms, bank_texts(alone))


def pool(
    sources: list[Source],
    renderer: Renderer,
    terms: list[Term],
    glossary_url: str,
    trace_results: dict[str, dict],
) -> dict:
    """The JSON asset: the draw's rules, the lessons, the terms and every eligible item.

    Each item's `html` is exactly what its lesson page shows (numbered "Exercise"; the page
    renumbers it), so the widgets mount it unchanged.
    """
    lessons, items, used = [], [], {}
    for source in sources:
        lesson = len(lessons)
        lessons.append({"title": source.lesson_title, "url": source.lesson_url})
        ctx = RenderContext(source=source.path, trace_results=trace_results)
        for item in source.bank.items:
            if item.kind not in KINDS:
                continue
            found = item_terms(source.bank, item, terms)
            for term in found:
                used.setdefault(term.slug, term)
            items.append(
                {
                    "id": item.id,
                    "kind": item.kind,
                    "difficulty": item.difficulty,
                    "topics": list(item.topics),
                    "minutes": item_minutes(item),
                    "lesson": lesson,
                    "terms": [t.slug for t in found],
                    "html": str(renderer.item(item, None, ctx, level=2)),
                }
            )
    glossary = [
        {
            "slug": t.slug,
            "term": t.term,
            "href": f"{glossary_url}#{t.slug}",
            "definition": str(renderer.md.block(t.definition)),
        }
        for t in terms
        if t.slug in used
    ]
    return {
        "title": TITLE,
        "draw": DRAW,
        "targetMinutes": TARGET_MINUTES,
        "candidateDraws": CANDIDATE_DRAWS,
        "difficulties": list(DIFFICULTIES),
        "maxPerKind": MAX_PER_KIND,
        "kindLabels": {k: kinds.get(k).label for k in KINDS},
        "storePrefix": STORE_PREFIX,
        "stateKey": STATE_KEY,
        "keepQuizzes": KEEP_QUIZZES,
        "lessons": lessons,
        "terms": glossary,
        "items": items,
    }


def pool_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def rules_text() -> list[str]:
    """What the page promises, in words, from the constants above."""
    wanted = ", ".join(f"{n} {d}" for d, n in DRAW.items())
    labels = ", ".join(kinds.get(k).label.lower() for k in KINDS)
    return [
        f"Each draw takes {sum(DRAW.values())} questions from every lesson's quiz ({wanted}), "
        "spread so that no lesson gets a second question while another has none. The draw is "
        "set by its seed, which is in the address: share or reload the address and you get "
        "the same questions. When a difficulty has fewer questions than asked for, the quiz "
        "takes all there are and says so above.",
        f"Questions come from these kinds: {labels}, with at most "
        f"{_plural(MAX_PER_KIND['numeric_trace'], 'trace exercise')} per draw. Short answers "
        "and interview questions, which you rate yourself, stay on the lesson pages.",
        "Nothing is marked while you answer: no Check, no hints. Submit the quiz with the "
        "button after the last question (or let the timer, if you start one, run out) and an "
        "answer sheet shows every question with your answer, the key, the explanation and "
        "the lesson to revisit. An ordering question left as shown is marked as it stands. "
        "Once submitted, the marks stay as they are. Trace exercises keep their printed "
        "numbers here (New numbers is on the lesson pages).",
        "This is a self-test: the page has the answers in it, so it cannot stop you from "
        "looking them up. It tells you what you can do unaided only if you answer before "
        "looking. A question whose answer was shown before you submitted counts 0.",
        "Your answers here are kept apart from your lesson progress: answering here changes "
        "no score on a lesson page, and what you answered there does not appear here. They "
        "are saved in this browser as you go, with the quiz's seed: New questions starts "
        f"another quiz and keeps this one, and the last {KEEP_QUIZZES} quizzes you opened "
        "keep their answers (open a quiz's address again to see them). They are not part "
        "of the progress you export on a lesson page, and an import does not bring any in.",
    ]


def page_html(pool_url: str, lesson_quizzes: list[tuple[str, str]] = ()) -> Markup:
    """The page's shell: header and controls that quiz-course.js fills, and the rules.

    `lesson_quizzes` are (lesson title, URL of its quiz page relative to this page): where a
    reader without JavaScript finds the questions.
    """
    rules = "".join(f"<li>{Markup.escape(text)}</li>" for text in rules_text())
    links = "".join(
        f'<li><a href="{Markup.escape(url)}">{Markup.escape(title)}</a></li>'
        for title, url in lesson_quizzes
    )
    return Markup(
        f'<div class="qk-course" data-qk-pool="{Markup.escape(pool_url)}">'
        # Not a live region: the header is written once, and its topic tags are long.
        '<div class="qk-header qk-course-header"></div>'
        '<details class="qk-rules qk-course-rules"><summary>How this quiz works</summary>'
        f"<ul>{rules}</ul></details>"
        '<div class="qk-course-controls" role="group" aria-label="Course quiz"></div>'
        '<div class="qk-course-items"></div>'
        '<div class="qk-course-end"></div>'
        '<noscript><p class="qk-noscript">The course quiz draws its questions with '
        "JavaScript, which is off. Every question is on its lesson's quiz page, with its "
        f"answer:</p><ul>{links}</ul></noscript>"
        "</div>"
    )


def page_markdown() -> str:
    # The title in front matter names the browser tab as the heading does (the nav keeps
    # its own short label).
    return f"---\ntitle: {TITLE}\n---\n\n# {TITLE}\n"
