"""Archive PDFs: the searchable document and its PDF/A-2b identification."""
