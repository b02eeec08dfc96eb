"""Vietnamese OCR: preprocessing for recognition, the tesseract engine, page results."""
