"""Runner plumbing: hooks, safe checkpoint loading, CPU distributed start-up."""
from . import hooks  # noqa: F401
