"""monitor: watches Cuban and Latin American state media for human-trafficking news."""

__version__ = "0.1.0"
