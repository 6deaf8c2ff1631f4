"""The service an agency runs: the REST API and the operator's pages on one ASGI app.

Assembled here, above both, so that neither entry point imports the other's assembly (the API
used to install the web pages, which import the API: a cycle that made ``import
smartalloc.entrypoints.web`` fail unless the API was imported first).
"""

from __future__ import annotations

from fastapi import FastAPI

from smartalloc.entrypoints.api import Settings, create_api_app
from smartalloc.entrypoints.api import headers as security_headers
from smartalloc.entrypoints.web import install as install_web


def create_app(settings: Settings) -> FastAPI:
    app = create_api_app(settings)
    install_web(app)   # its error-page middleware is outside the API's and sees the 429s too
    security_headers.install(app)   # outermost: the error pages get the headers as well
    return app


__all__ = ["Settings", "create_app"]
