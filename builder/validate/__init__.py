"""Runtime validation: the built image against real Postgres and Redis containers, or the generated compose stack."""
