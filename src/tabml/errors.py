"""The one error type that the CLI turns into a clear, single-sentence message."""


class TabmlError(Exception):
    """A problem with the user's input (params, data, files) that is not a bug in tabml.

    The message is one sentence that names the file, key or column at fault. The CLI prints it
    without a traceback and exits non-zero.
    """
