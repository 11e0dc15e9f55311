"""The ceiling of the load test: a bare FastAPI endpoint with no middleware, database or
token, served by uvicorn like the services and reached through the same gateway."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}
