"""The error the inference tools report as one line (file + what to do)."""


class InferenceInputError(Exception):
    """Bad user input to an inference tool.

    The message is one line that names the file (image, box file, config or
    checkpoint) and says how to fix the problem; the demos print it instead
    of a traceback, and a folder run reports it at the end and goes on.
    """
