"""The ASGI application for uvicorn (`smartalloc serve`), configured from the environment."""

from smartalloc.entrypoints.api.app import create_app
from smartalloc.entrypoints.api.settings import Settings

app = create_app(Settings.from_env())
