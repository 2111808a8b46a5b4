class IngestError(ValueError):
    """An input kb refuses, with a one-line reason a user can act on.

    `code` names the kind of refusal and `params` its values, so that a front end can say it in
    its own words (the app, in Chinese) without parsing the English message."""

    def __init__(self, message: str, code: str = "rejected", **params) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


# Every code an IngestError or a rejected IngestResult carries (tests/test_ingest_codes.py checks
# the sources against it), with the params each one brings.
CODES = (
    "rejected",          # no specific kind (the default)
    "empty",             # nothing but white space
    "too_large",         # size, limit: bytes in hand over KB_MAX_FILE_BYTES
    "file_too_large",    # path, limit: a file read up to the limit and found longer
    "page_too_large",    # url, limit: a fetched page over the limit
    "binary",            # kind (png, jpeg, gif, riff, pdf, zip, gzip, binary); count, size for NUL bytes
    "encoding",          # no encoding decodes the bytes
    "encoding_garbled",  # encoding: the best guess decodes to garbage
    "not_found",         # path
    "unreadable",        # path, error: the OS refused to stat or open it
    "not_regular_file",  # path, kind (folder, character_device, block_device, fifo, socket, special)
    "fetch_timeout",     # url, seconds (KB_FETCH_TIMEOUT)
    "http_status",       # url, status
    "fetch_failed",      # url, error
    "no_text",           # no Chinese or Latin letters at all
    "clutter_only",      # nothing left once page clutter is removed
    "no_article_text",   # the HTML holds no main text
    "navigation_only",   # the HTML holds only navigation links and menus
    "no_passages",       # the article has no sentences to cut into passages (kb/ingest/pipeline.py)
    "pdf_invalid",       # error: a truncated, damaged or fake PDF (kb/ingest/pdf.py)
    "pdf_encrypted",     # a PDF that needs a password
    "pdf_no_text",       # pages: a PDF with no text layer (a scan); no OCR yet
    "docx_invalid",      # error: not a Word (.docx) document, or a damaged one (kb/ingest/word.py)
    "feed_invalid",      # url, error: a feed address that gives HTML or XML that is no RSS/Atom (kb/ingest/feeds.py)
)
