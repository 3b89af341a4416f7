"""`napkin drill`: inject a failure mode into the simulation, with and without its mitigation.

Each drill runs the same seeded workload three ways (baseline, failure, failure with the
mitigation) on a slice of the planned fleet at its per-replica peak load.
"""
