"""The AI peer: a persona state that reacts to how well the learner listens, and its voices."""
