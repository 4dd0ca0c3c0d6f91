"""Developer settings: the embedded or the full configuration, picked by the environment."""

from dbsbm.settings.base import *  # noqa: F403
from dbsbm.settings.environment import env_bool

DEBUG = env_bool("DJANGO_DEBUG", default=True)
