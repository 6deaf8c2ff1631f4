"""Synthetic Kanoon agency generator (spec Part C): realistic inputs with no real personal data."""

from smartalloc.synthetic.agency import GeneratedAgency, generate_agency
from smartalloc.synthetic.early import generate_early_variant

__all__ = ["GeneratedAgency", "generate_agency", "generate_early_variant"]
