"""Demo data (`manage.py seed_demo`): a seeded, realistic world written in bulk, settled by auto-grading."""
