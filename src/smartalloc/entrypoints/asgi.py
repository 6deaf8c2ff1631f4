"""The ASGI application for uvicorn (`smartalloc serve`), configured from the environment."""

from smartalloc.entrypoints.api.settings import Settings
from smartalloc.entrypoints.service import create_app

app = create_app(Settings.from_env())
