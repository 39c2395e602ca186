"""The feature modules, registered in this explicit order (no discovery magic)."""
from . import accounts, curriculum, participants, site

MODULES = [site, accounts, curriculum, participants]


def register(app) -> None:
    for module in MODULES:
        app.register_blueprint(module.bp)
    from edt.extensions import login_manager

    login_manager.user_loader(accounts.load_user)
