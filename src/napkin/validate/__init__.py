"""Validate: napkin against measurements, each row's benchmark rerun in the simulator."""
