"""The caller's own data across domains: export it all, or delete the account with it."""
