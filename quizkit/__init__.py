"""Backprop Lab's tooling: the backprop engine, the quiz-bank format and the MkDocs plugin."""
