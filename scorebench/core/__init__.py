"""The ground layer: records, errors, units, the run directory, secrets, versions.

Rule: nothing here imports any other part of scorebench (docs/architecture.md, "The layers").
"""
