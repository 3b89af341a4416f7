"""Closed-form capacity math: pure functions whose docstrings' first lines are their formulas.

Each function's parameter names are the figure keys it reads, so a plan can show every
formula with the values that went into it.
"""
