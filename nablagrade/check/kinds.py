"""Importing this module registers every kind checker with `nablagrade.check.api.checks`."""

from nablagrade.check import text  # noqa: F401
from nablagrade.check import formulas, numbers  # noqa: F401
from nablagrade.check import shapes, arrays  # noqa: F401  (registers checkers)
from nablagrade.check import tensors  # noqa: F401
from nablagrade.check import matrices  # noqa: F401
