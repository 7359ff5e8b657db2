"""Practice scenarios: the built-in library in knowledge/scenarios and trainer-authored ones in the DB."""
