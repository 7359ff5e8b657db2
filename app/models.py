"""One place that imports every domain's tables, so Alembic and create-all see them all."""


def import_all_models() -> None:
    import app.cohorts.models
    import app.practice.models
    import app.scenarios.models
    import app.users.models  # noqa: F401
