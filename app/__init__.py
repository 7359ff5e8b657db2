"""Rehearse: rehearse hard workplace conversations with an AI peer and get evidence-based feedback."""

__version__ = "0.1.0"
