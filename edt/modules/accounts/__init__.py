from .views import bp, load_user

__all__ = ["bp", "load_user"]
