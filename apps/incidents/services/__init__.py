"""Every state change of incident response, one module per part: incidents.py (declare, update, move, link,
note), rules.py (opening by rule), escalation.py, playbooks.py, evidence.py, clocks.py, reviews.py;
timeline.py is the one writer of timeline lines that all of them use."""
