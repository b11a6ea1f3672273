"""parindex: administrative-reform evaluation for Vietnamese public bodies."""

__version__ = "0.1.0"
