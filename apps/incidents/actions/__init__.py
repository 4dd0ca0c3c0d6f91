"""Playbook actions: what an automated step does (apps/incidents/actions/base.py has the protocol).

Each module of this package registers its actions with `register_action`; `actions_load()` imports them
all (the runner calls it), so a part that adds a module (evidence.py: collect_evidence) needs no other edit.
"""

import importlib
import pkgutil


def actions_load() -> None:
    """Import every action module of this package, which registers its actions."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
