"""Python-Markdown extensions for the course's in-page pieces.

MkDocs, ProperDocs and Zensical all render pages with Python-Markdown and load every extension
named under `markdown_extensions:` in mkdocs.yml, whereas only the first two run MkDocs
plugins. What a page needs in order to work therefore lives here, one feature per module:

- `quizkit.markdown_ext.cells`: `python runnable` fences become runnable cells;
- `quizkit.markdown_ext.quiz`: every quiz widget, the glossary, the lesson list and the
  course quiz's shell, in place of the marker comments of the pages quizkit.mkdocs.generate
  writes (and glossary links in lesson pages).
"""
