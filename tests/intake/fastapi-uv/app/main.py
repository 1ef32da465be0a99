import os

import redis.asyncio as redis
from fastapi import FastAPI

from app.routes import router

app = FastAPI()
app.state.redis = redis.from_url(os.getenv("REDIS_URL", "redis://localhost:6379/0"))
app.include_router(router)
