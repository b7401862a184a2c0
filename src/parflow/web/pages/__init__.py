"""Server-rendered HTML pages (jinja2), Vietnamese first."""
