"""Rehearse: practise hard workplace conversations with an AI peer; get evidence-based feedback."""

__version__ = "0.1.0"
