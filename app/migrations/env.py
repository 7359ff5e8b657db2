"""Alembic environment: runs on the connection handed over by app.db.migrate, or on a URL."""

from alembic import context
from sqlalchemy import create_engine

from app.db import Base
from app.models import import_all_models

import_all_models()
target_metadata = Base.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic needs sqlalchemy.url, or a connection from app.db.migrate")
    with create_engine(url).connect() as own_connection:
        context.configure(
            connection=own_connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        own_connection.commit()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
