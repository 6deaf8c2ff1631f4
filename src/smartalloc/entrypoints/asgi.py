"""The ASGI application for uvicorn (`smartalloc serve`), configured from the environment."""

from smartalloc.entrypoints.api.settings import Settings
from smartalloc.entrypoints.private_files import private_files
from smartalloc.entrypoints.service import create_app

private_files()   # uvicorn's worker processes import this module, not the CLI
app = create_app(Settings.from_env())
