from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI

from service.config import settings


@asynccontextmanager
async def lifespan(app):
    app.state.pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=5)
    yield
    await app.state.pool.close()


app = FastAPI(title=settings.api_title, lifespan=lifespan)


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/ready")
async def ready():
    async with app.state.pool.acquire() as connection:
        await connection.fetchval("select 1")
    return {"status": "ready"}
