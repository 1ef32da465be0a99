"""The environment a container of the app gets from its plan, when builder itself starts it (validate, report)."""

from __future__ import annotations

import secrets

from builder.plan import BuildPlan
from builder.services import url_parts

__all__ = ["app_environment"]


def app_environment(plan: BuildPlan, service_urls: dict[str, str], *, port: int) -> dict[str, str]:
    """The environment the plan asks for: services' URLs or their parts, literal values, and secrets (the value
    the spec gives for validation, else a throwaway one; an optional secret stays unset)."""
    env = {"PORT": str(port), **plan.framework.local_env}
    parts = {kind: url_parts(url) for kind, url in service_urls.items()}
    for binding in plan.env:
        if binding.source in parts:
            env[binding.name] = parts[binding.source][binding.part]
        elif binding.source == "value" or binding.value is not None:
            env[binding.name] = binding.value or ""
        elif not binding.optional:  # a person or the platform fills these in; any value serves here
            env[binding.name] = secrets.token_urlsafe(48)  # 64 characters: long enough for Django's check --deploy
    return env
