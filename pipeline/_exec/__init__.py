"""Thin adapters over external programs (poppler, tesseract): one module each."""
