class IngestError(ValueError):
    """An input kb refuses, with a one-line reason a user can act on."""
