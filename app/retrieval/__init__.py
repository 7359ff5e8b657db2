"""Retrieval of coaching techniques: cards, the chroma index and the one search interface."""
