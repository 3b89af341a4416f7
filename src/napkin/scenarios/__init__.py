"""The five kinds of system: each turns its workload into figures on a sheet.

Each module holds that kind's pure formulas (docstring first paragraph = formula) and one
`plan_<kind>(sheet, design) -> Outcome` that adds its sections.
"""
