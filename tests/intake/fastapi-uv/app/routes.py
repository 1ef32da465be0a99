from fastapi import APIRouter, Request

router = APIRouter()


@router.get("/livez")
async def livez():
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    await request.app.state.redis.ping()
    return {"status": "ready"}


@router.post("/hits")
async def hit(request: Request):
    return {"hits": await request.app.state.redis.incr("hits")}
