"""Threshold alert rules, the pure part: a rule's query over its window at a moment (`rules.py`), the
reduction of each series and the condition, and the state machine (`states.py`). The writes (evaluation,
notification, silences) are services/alerting*.py."""
