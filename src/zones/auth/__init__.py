"""Who is calling: principals, API tokens, and the authenticators that turn credentials into principals."""

from zones.auth.principal import Principal

__all__ = ("Principal",)
