"""The feature modules, registered in this explicit order (no discovery magic)."""
from . import accounts, canvas, curriculum, participants, site
from . import attendance, batches  # noqa: E402  (issue 4)
from . import certificates  # noqa: E402  (issue 6)
from . import reports  # noqa: E402  (issue 7)
from . import privacy, resume  # noqa: E402  (issue 8)

MODULES = [site, accounts, curriculum, participants, canvas]
MODULES += [batches, attendance]
MODULES += [certificates]
MODULES += [reports]
MODULES += [resume, privacy]  # issue 8


def register(app) -> None:
    for module in MODULES:
        app.register_blueprint(module.bp)
    from edt.extensions import login_manager

    login_manager.user_loader(accounts.load_user)
