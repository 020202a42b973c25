"""The quiz-bank format: the model, loading with line numbers, validation and evidence.

Nothing here knows about MkDocs. Typical use::

    from quizkit.bank.check import check_paths
    report = check_paths(["lessons_src"])
    for problem in report.problems:
        print(problem)
"""
