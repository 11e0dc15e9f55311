"""App factory for uvicorn workers: reads the selected services from the environment."""

from __future__ import annotations

import os

from fastapi import FastAPI

from cuenty.app import create_app


def build() -> FastAPI:
    selected = os.environ.get("CUENTY_SERVE_SERVICES", "")
    services = [name for name in selected.split(",") if name] or None
    return create_app(services=services)
