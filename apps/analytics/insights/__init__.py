"""Anomaly insights (issue #14 item 6): a metric's series decomposed into trend, season and residual (STL),
the residual's robust z-score (median and MAD), and the points beyond the threshold with the range the
decomposition expected there. `detection.py` is the pure statistics; services/insights.py runs it over the
key metrics of every tenant and of the platform and stores the insights."""
