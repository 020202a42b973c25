"""The MkDocs side of Backprop Lab: the `quizkit` plugin and the functions it is built from.

Hooks live in `plugin.py`; everything they call is a plain function in a sibling module
(`lessons`, `stats`, `glossary`, `render`, `trace`, `assets`) so it can be tested without
running MkDocs.
"""
