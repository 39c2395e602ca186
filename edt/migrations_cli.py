"""Flask-Migrate, imported only when a migration runs (`flask db ...`, `init-db`, the test suite's
schema), never by a web worker: Flask-Migrate imports Alembic, which imports Mako and Pygments,
about 120 modules and 9 MB that no request needs.

`app.extensions["migrate"]` is what Flask-Migrate's own `init_app` would put there (the database,
the directory, the arguments env.py passes to Alembic), with the `Migrate` object made on first use;
the `db` command group is Flask-Migrate's, looked up when the command is run."""
from functools import cached_property

import click


class MigrateConfig:
    """What Flask-Migrate's commands and edt/migrations/env.py read from app.extensions["migrate"]."""

    def __init__(self, db, directory: str, **configure_args):
        self.db = db
        self.directory = str(directory)
        self.configure_args = {"compare_type": True, "render_as_batch": True, **configure_args}

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate
        return Migrate(db=self.db, directory=self.directory, **self.configure_args)

    @property
    def metadata(self):
        return self.db.metadata


class _LazyGroup(click.Group):
    """`flask db`: Flask-Migrate's command group, imported when the command runs."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db
        return db

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._real().get_command(ctx, cmd_name)


def init_app(app, db, directory, **configure_args) -> None:
    app.extensions["migrate"] = MigrateConfig(db, directory, **configure_args)
    app.cli.add_command(_LazyGroup("db", help="Perform database migrations."))


def upgrade(**kwargs) -> None:
    """flask_migrate.upgrade (Alembic loaded now)."""
    from flask_migrate import upgrade as _upgrade
    _upgrade(**kwargs)
