"""Request bodies: the loader (files and folders to `Payload`s), schema checks, generation.

Rule: a malformed payload is a HarnessError naming the file and the line/column.
"""

from scorebench.payloads.loader import DEFAULT_PAYLOADS, Payload, load_payloads

__all__ = ["DEFAULT_PAYLOADS", "Payload", "load_payloads"]
