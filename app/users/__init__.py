"""Accounts, sign-in, API tokens and the login limiter."""
