"""The exceptions lbrec raises on bad input: each carries a message meant for a person, not a traceback."""


class LbrecError(Exception):
    """Base class: anything lbrec refuses to do, with a one-line reason and, where there is one, the fix."""


class DataError(LbrecError):
    """A data set is missing, unreadable, corrupt, or not in the expected format."""


class ChecksumError(DataError):
    """A downloaded file does not match its published checksum; it was discarded."""


class ArtifactError(LbrecError):
    """A saved artifact (processed data set, model, checkpoint) is missing, truncated or inconsistent."""
