"""The MkDocs side of Backprop Lab: the `quizkit` plugin and the functions it is built from.

Hooks live in `plugin.py`; everything they call is a plain function in a sibling module
(`lessons`, `generate`, `render`, `glossary`, `stats`, `numeric_trace_page`, `runtime`,
`assets`, ...) so it can be tested without running MkDocs.
"""
