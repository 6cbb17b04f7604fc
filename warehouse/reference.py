"""Moved to `transforms.reference` (the warehouse does not build the transforms' vocabulary)."""

from transforms.reference import load_vocabulary, read_reference

__all__ = ["load_vocabulary", "read_reference"]
