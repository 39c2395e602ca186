"""The feature modules, registered in this explicit order.

Package `__init__` files are empty: importing `edt.modules.batches.models` loads that file and
what it imports, nothing else. The app factory imports this registry, and this registry is the
only place that imports a `views` module. Adding a module: docs/architecture.md.
"""
from edt.extensions import login_manager
from edt.modules.accounts import cli as accounts_cli
from edt.modules.accounts import views as accounts
from edt.modules.assessments import views as assessments
from edt.modules.attendance import views as attendance
from edt.modules.batches import cli as batches_cli
from edt.modules.batches import views as batches
from edt.modules.canvas import views as canvas
from edt.modules.certificates import views as certificates
from edt.modules.curriculum import views as curriculum
from edt.modules.followup import views as followup
from edt.modules.participants import views as participants
from edt.modules.privacy import cli as privacy_cli
from edt.modules.privacy import views as privacy
from edt.modules.reports import views as reports
from edt.modules.kept_forms import views as kept_forms
from edt.modules.site import views as site
from edt.modules.sync import views as sync
from edt.modules.trainers import views as trainers

BLUEPRINTS = [site.bp, accounts.bp, curriculum.bp, participants.bp, canvas.bp, batches.bp,
              attendance.bp, certificates.bp, assessments.bp, followup.bp, trainers.bp, reports.bp, kept_forms.bp,
              privacy.bp, sync.bp]

# Each module's flask commands (its cli.py), added to `flask --app edt`.
COMMANDS = [*accounts_cli.COMMANDS, *batches_cli.COMMANDS, *privacy_cli.COMMANDS]


def register(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for command in COMMANDS:
        app.cli.add_command(command)
    login_manager.user_loader(accounts.load_user)
