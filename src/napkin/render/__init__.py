"""Turning plans into things people read: terminal tables, JSON."""
