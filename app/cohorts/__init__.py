"""Cohorts, assignments and progress: how trainers follow learners."""
