"""The models and the migrations describe the same schema, in one line of migrations."""
from alembic.script import ScriptDirectory


def test_models_and_migrations_agree(app):
    """Every model change comes with a migration: autogenerate finds nothing left to do."""
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_the_migrations_have_one_head(app):
    """Two branches each adding a migration on the same parent must be merged before release."""
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    assert len(script.get_heads()) == 1, script.get_heads()
