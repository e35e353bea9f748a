"""The one exception root of nablagrade, and the exit code each kind of error carries.

Problem-definition errors are worded for the instructor (they name the problem and the
parameter); answer errors are worded for the student. Context is added once, at the boundary.
"""


class NablagradeError(Exception):
    """Root of every error nablagrade raises on purpose."""

    exit_code = 1


class UsageError(NablagradeError):
    """A name or value given on the command line or in a file is not valid."""

    exit_code = 2


class UnknownName(UsageError):
    """An unknown problem, part or parameter; the message lists the valid names."""

    def __init__(self, what: str, name: str, valid):
        valid = sorted(valid)
        listed = ", ".join(valid) if valid else "(none)"
        super().__init__(f"unknown {what} {name!r}; valid {what}s: {listed}")
        self.what, self.name, self.valid = what, name, tuple(valid)


class ParamError(UsageError):
    """A parameter value is missing, of the wrong type, or violates a constraint."""

    def __init__(self, problem: str, name: str, message: str):
        super().__init__(f"{problem}: parameter {name}: {message}")
        self.problem, self.param = problem, name


class DerivationError(NablagradeError):
    """The engine could not derive a part: a bug in a problem declaration or in the engine."""
