"""Templates that `quizkit new` copies into a new lesson folder.

`__TITLE__` and `__SLUG__` are replaced by the lesson's title and kebab-case topic; the
slug prefixes every item id, so a new bank never collides with an existing one.
"""
