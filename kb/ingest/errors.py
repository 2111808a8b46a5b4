class IngestError(ValueError):
    """An input kb refuses, with a one-line reason a user can act on.

    `code` names the kind of refusal and `params` its values, so that a front end can say it in
    its own words (the app, in Chinese) without parsing the English message."""

    def __init__(self, message: str, code: str = "rejected", **params) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
