from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str
    api_title: str = "ledger"


settings = Settings()
