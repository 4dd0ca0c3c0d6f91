"""The bet-text parser (apps/ml/nlp): how far ahead a team's next game is looked for, and how long a process
keeps the catalogue and the schedule before reading them again."""

from dbsbm.settings.environment import env_bool, env_int

# a parsed leg's game: the team's next scheduled game starting within this many hours (else null) ...
NLP_GAME_WINDOW_HOURS = env_int("NLP_GAME_WINDOW_HOURS", 72)
# ... or that started at most this many minutes ago (a bet posted as the game begins)
NLP_GAME_GRACE_MINUTES = env_int("NLP_GAME_GRACE_MINUTES", 15)
# the schedule of that window is read once per process for this long (one query per message is most of a parse)
NLP_SCHEDULE_TTL_SECONDS = env_int("NLP_SCHEDULE_TTL_SECONDS", 30)
# teams, aliases and players are re-read when an alias changes (a version in the cache), and at least this often
NLP_CATALOGUE_TTL_SECONDS = env_int("NLP_CATALOGUE_TTL_SECONDS", 300)
# the language models (lingua, six languages: about 4 s and 180 MiB per process) load in the background when a web
# process starts (apps/core/warmup.py); in Celery pool processes too with ML_NLP_WARM_UP_WORKERS=true (the workers
# taking the `celery` queue parse the free text of deferred Discord commands), off by default for the memory
ML_NLP_WARM_UP_WORKERS = env_bool("ML_NLP_WARM_UP_WORKERS", default=False)
