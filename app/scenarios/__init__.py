"""Practice scenarios: built-ins from app/knowledge/scenarios, trainer-authored ones in the DB."""
