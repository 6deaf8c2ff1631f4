"""SmartAlloc: policy-first student → mentor allocation."""
__version__ = "0.1.0"
