"""The learner's saved progress: its one schema, shared by saving, export and import.

The browser (quiz-store.js) validates every record it loads, saves, exports or imports against
`progress_schema()`, which reaches it through client_config; nothing here is retyped in
JavaScript. A record holds what the learner did, never a score: the page recomputes each
item's score from the record and the item's key, so a stored or imported number cannot move
a score outside 0..1 per item.

A record (one per item id, the same on the lesson page and the lesson's quiz page):

    kind       the item's kind; a record of another kind is not shown
    attempt    1, 2, ...: "Try again" / "Start over" starts the next attempt
    response   what is on screen now (choice, notes, matches, order, typed values), saved
               as it is entered
    counted    the response that counts: the last one checked before the key was seen
    checks     checks made before the key was seen (each one after the first lowers the
               credit, see RECHECK_COST: the ✓/✗ marks of a check tell which parts to change)
    hints      hints opened before the key was seen (each lowers the credit, see HINT_COST)
    seen       the key was seen (revealed, or an explanation that names it): `counted` and
               `hints` are locked and later attempts are practice
    at         when it was last saved (ISO 8601)

Records only ever gain what was seen: when two copies of a record meet (two tabs saving,
or an imported file), `merge` in quiz-store.js keeps `seen` once true, the larger `hints`,
`checks` and `attempt`, the `counted` locked when the key was first seen, and otherwise the
newer copy. "Reset this page" clears the responses but keeps that history.
"""

from __future__ import annotations

from quizkit.bank import kinds

FORMAT = "backprop-lab-progress"

# Each hint opened before the key was seen takes HINT_COST of the item's credit, and each
# check after the first (made after seeing which parts were marked ✗) takes RECHECK_COST,
# together down to MIN_CREDIT (so a learner who needed every hint, or fixed an answer over
# a few checks, still earns something for being right).
HINT_COST = 0.1
RECHECK_COST = 0.25
MIN_CREDIT = 0.5
# Longer item ids are not ones this course uses: an import naming one is refused.
MAX_ID_CHARS = 200

# Bounds, in characters of JSON (localStorage counts UTF-16 units; browsers allow about 5
# million per site). A note longer than MAX_NOTE_CHARS is cut there (the text box stops
# accepting more); a record over MAX_RECORD_CHARS or a total over MAX_TOTAL_CHARS is not
# saved, the page says so, and everything saved before stays as it was.
MAX_NOTE_CHARS = 5_000
MAX_RECORD_CHARS = 20_000
MAX_TOTAL_CHARS = 1_000_000
# A longer typed value cannot be a number the page reads.
MAX_VALUE_CHARS = 64

# Each kind's response fields (Kind.response) map a name to a type: "text", "text|null",
# "bool", "self" (a self-assessment: 0, 0.5, 1 or null), "texts" (list of text), "ints"
# (list of integers), "textmap" (object of text), "nummap|null" (object of finite numbers, or
# null), "int|null". Fields an imported record may not bring are its Kind.recomputed.
SELF_LEVELS = (1, 0.5, 0)

# How an item was answered, as the page names it.
HOW = {
    "first": "first try",
    "hints": "after hints",
    "checks": "after {n} checks",
    "seen": "after the answer was shown",
}


def scoring_rule() -> str:
    """The rule in words, shown on every page with a score."""
    cost = round(HINT_COST * 100)
    recheck = round(RECHECK_COST * 100)
    floor = round(MIN_CREDIT * 100)
    return (
        "A question counts what you did before you saw its answer: once the answer or an "
        "explanation that gives it away is shown, that score is kept and Try again / Start "
        "over / Reset this page is practice. Before then, each hint opened takes "
        f"{cost}% off the question's credit, and each check after the first (fixing the "
        f"parts marked ✗ and checking again) takes {recheck}% off; together they never "
        f"take a right answer below {floor}%. Self-assessed answers count as you rate them."
    )


def limits_text() -> str:
    """What happens at the size bounds, in words."""
    return (
        f"Notes are kept up to {MAX_NOTE_CHARS:,} characters each. Progress is saved in this "
        "browser as you type; an answer too large to save, or storage that is full, is "
        "reported here and what was saved before is kept."
    )


def progress_schema() -> dict:
    """The schema as JSON-ready data for the browser (client_config's "progress")."""
    return {
        "format": FORMAT,
        "hintCost": HINT_COST,
        "recheckCost": RECHECK_COST,
        "minCredit": MIN_CREDIT,
        "maxIdChars": MAX_ID_CHARS,
        "recomputed": {k.name: list(k.recomputed) for k in kinds.all_kinds() if k.recomputed},
        "maxNoteChars": MAX_NOTE_CHARS,
        "maxRecordChars": MAX_RECORD_CHARS,
        "maxTotalChars": MAX_TOTAL_CHARS,
        "maxValueChars": MAX_VALUE_CHARS,
        "responses": {kind.name: kind.response for kind in kinds.all_kinds()},
        "selfLevels": list(SELF_LEVELS),
        "how": HOW,
    }
