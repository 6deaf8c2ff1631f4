"""The HTTP service (issue C): the pipeline for several operators, with roles, jobs and metrics."""

from smartalloc.entrypoints.api.app import create_api_app
from smartalloc.entrypoints.api.settings import Settings

__all__ = ["Settings", "create_api_app"]
