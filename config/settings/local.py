"""Local development: what `python3 dev.py run` uses."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)  # the pictures under var/media (base.py § Media)
