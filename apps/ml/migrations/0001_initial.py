# The ml app's root migration: each area's models come in their own 0002_<area> migration.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = []
