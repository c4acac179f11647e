"""The one exception family of auditapp.

Library code raises these; only the CLI turns them into messages and exit codes,
which are defined here, once.
"""

from __future__ import annotations

__all__ = [
    "AuditappError", "ConfigError", "SubjectError", "RunAborted", "AuditappWarning", "ConfigWarning",
    "MissingFileWarning", "EmptySequenceWarning", "UnconfiguredLabelWarning", "NonIntegralLabelWarning",
    "SpacingWarning", "LongitudinalWarning", "MetadataWarning",
    "EXIT_OK", "EXIT_CONFIG", "EXIT_PARTIAL", "EXIT_INTERRUPTED", "os_problem",
]

#: Every subject (or subject/model pair) done.
EXIT_OK = 0
#: Config or usage error: nothing computed, nothing created.
EXIT_CONFIG = 1
#: Finished, but some subjects/pairs failed (listed in a failures file).
EXIT_PARTIAL = 3
#: Interrupted (Ctrl-C).
EXIT_INTERRUPTED = 130


def os_problem(exc: OSError, path: object) -> str:
    """``<what the OS said>: <path>`` in words, e.g. ``permission denied: /data/S2`` (never "corrupt").

    Examples
    --------
    >>> import errno
    >>> os_problem(PermissionError(errno.EACCES, "Permission denied"), "/data/S2")
    'permission denied: /data/S2'
    >>> os_problem(FileNotFoundError(errno.ENOENT, "No such file or directory"), "/data")
    'not found: /data'
    """
    if isinstance(exc, PermissionError):
        what = "permission denied"
    elif isinstance(exc, FileNotFoundError):
        what = "not found"
    else:
        what = (exc.strerror or type(exc).__name__).lower()
    return f"{what}: {path}"


class AuditappError(Exception):
    """Base class of every error auditapp raises on purpose."""


class ConfigError(AuditappError):
    """A configuration problem: nothing can start.

    Parameters
    ----------
    problems : list of str
        One line per problem, each naming the file, the dotted key and what is
        expected. All problems of a config are reported together.
    """

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class SubjectError(AuditappError):
    """One subject (or subject/model pair) failed; the run goes on.

    Parameters
    ----------
    subject : str
        The subject ID.
    stage : str
        Where it failed (``read``, ``check``, ``statistical``, ...).
    message : str
        What went wrong, naming the file when there is one.
    path : str, optional
        The file involved.
    """

    def __init__(self, subject: str, stage: str, message: str, path: str | None = None):
        self.subject = subject
        self.stage = stage
        self.message = message
        self.path = path
        super().__init__(f"subject '{subject}' ({stage}): {message}")


class RunAborted(AuditappError):
    """Nothing more can be written (e.g. the disk is full): the whole run stops at once.

    Outputs already replaced stay complete; the others keep their previous version.
    """


class AuditappWarning(UserWarning):
    """A problem worth telling the user that does not stop anything (e.g. an all-zero sequence).

    Compute functions emit it with ``warnings.warn``; the runner captures it per
    subject and the pipeline logs it with the subject ID. ``kind`` is the label under
    which the run summary counts it (``warnings: all-zero sequence 2``); subclasses set
    it, :class:`MissingFileWarning` per instance.
    """

    kind = "other"

    def __init__(self, message: str = "", kind: str | None = None):
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class MissingFileWarning(AuditappWarning):
    """An expected file is absent (kind ``missing <suffix>``); the subject goes on without it."""

    kind = "missing file"


class EmptySequenceWarning(AuditappWarning):
    """A sequence with no positive voxel: its statistics are NaN."""

    kind = "all-zero sequence"


class UnconfiguredLabelWarning(AuditappWarning):
    """A segmentation holds label values the config does not name."""

    kind = "unconfigured label values"


class NonIntegralLabelWarning(AuditappWarning):
    """A segmentation holds non-integral values."""

    kind = "non-integral label values"


class SpacingWarning(AuditappWarning):
    """A subject's files have different voxel spacings."""

    kind = "spacing mismatch"


class LongitudinalWarning(AuditappWarning):
    """IDs from which the longitudinal pattern cannot take an ID and time point."""

    kind = "longitudinal ID"


class MetadataWarning(AuditappWarning):
    """A metadata table (or part of it) cannot be joined as configured."""

    kind = "metadata"


class ConfigWarning(AuditappWarning):
    """A config key that is unknown, ignored or defaulted; the CLI prints it."""
