"""Automatic call distribution: pure domain (agent states, queue, assignment)."""
