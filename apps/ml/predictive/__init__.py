"""Predictive models of issue #16: leg win probability, capper skill, fraud case ranking (each beside its
baseline on a time split)."""
