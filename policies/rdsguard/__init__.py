"""CrossGuard rules for encrypted Amazon RDS on customer managed KMS keys.

Importable without starting anything: ``build_policies()`` returns the registered policies and
``RULES`` the rule catalogue. Only ``policies/__main__.py`` constructs the ``PolicyPack``.
"""

from .pack import RULES, build_policies

__all__ = ["RULES", "build_policies"]
