"""The sections of a capacity sheet: each adds its figures, with provenance, to a Sheet.

Order matters: later sections read figures earlier ones added (demand, memory,
performance, fleet and queueing, cost).
"""
