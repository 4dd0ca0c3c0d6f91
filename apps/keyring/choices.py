from django.db import models


class DataKeyStatus(models.TextChoices):
    ACTIVE = "active", "Active (encrypts new values)"
    RETIRING = "retiring", "Retiring (decrypts only; rows still use it)"
    RETIRED = "retired", "Retired (no row uses it)"
