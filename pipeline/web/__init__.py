"""The pages people use beside the API (``sohoa serve``): the digitisation desk, review, the
archive and the indicators, server-rendered (Jinja2), in Vietnamese, behind a login."""
