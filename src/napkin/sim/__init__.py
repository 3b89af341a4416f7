"""`napkin simulate`: a discrete-event simulation of the serving fleet.

One source of truth: a replica's step latency comes from the planner's performance model
(`perf.step_model`, the roofline precomputed), never from a second latency model.
"""
