"""The one exception type that reaches the user as a sentence, not a traceback."""


class PeilError(Exception):
    """An expected failure: its message is one clear sentence for stderr."""

    exit_code = 2
