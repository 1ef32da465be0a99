"""Inventory API: items in Postgres; reading is open, writing needs the API_TOKEN the platform holds."""

import os
import secrets
from contextlib import asynccontextmanager

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.db import make_engine

API_TOKEN = os.environ["API_TOKEN"]  # no token, no start: better than an API anyone can write to
engine = make_engine()


@asynccontextmanager
async def lifespan(_app: FastAPI):
    yield
    await engine.dispose()  # on SIGTERM: close pooled connections instead of leaving them to time out


app = FastAPI(title="inventory-api", lifespan=lifespan)


class Item(BaseModel):
    name: str
    quantity: int = 0


@app.get("/livez")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz")
async def readyz() -> JSONResponse:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        return JSONResponse({"status": "not ready", "error": str(exc).splitlines()[0][:200]}, status_code=503)
    return JSONResponse({"status": "ready"})


@app.get("/api/items")
async def list_items() -> dict[str, object]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, name, quantity FROM items ORDER BY id"))).all()
    return {"count": len(rows), "items": [{"id": i, "name": n, "quantity": q} for i, n, q in rows]}


@app.post("/api/items", status_code=201)
async def add_item(item: Item, authorization: str = Header(default="")) -> dict[str, object]:
    if not secrets.compare_digest(authorization, f"Bearer {API_TOKEN}"):
        raise HTTPException(status_code=401, detail="a valid bearer token is required")
    async with engine.begin() as conn:
        row = (await conn.execute(text("INSERT INTO items (name, quantity) VALUES (:n, :q) RETURNING id"),
                                  {"n": item.name, "q": item.quantity})).one()
    return {"id": row[0], "name": item.name, "quantity": item.quantity}
