"""Scoring: code each learner turn, compute rubric metrics, build the evidence-backed scorecard."""
