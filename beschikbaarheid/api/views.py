"""Views of the api blueprint."""
from beschikbaarheid.api import bp  # noqa: F401
