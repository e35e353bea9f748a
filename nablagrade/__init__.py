"""nablagrade: derive, verify, typeset and grade the mathematics of backpropagation."""

__version__ = "0.1.0"
