"""Declared inputs: frozen pydantic models validated at the boundary, and their loaders."""
