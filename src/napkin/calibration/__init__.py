"""Fidelity: measurements, predictions of them, fitted efficiency profiles."""
