"""Practice scenarios: built-ins from knowledge/scenarios, trainer-authored ones in the DB."""
