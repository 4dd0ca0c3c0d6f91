"""The app's first migration: its areas' models come in the migrations that follow."""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
