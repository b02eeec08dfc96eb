"""The ingest API (FastAPI): the one-stop system's dossiers, files, results, webhooks, and the
drop-in OCR service. ``create_app`` builds it; ``sohoa serve`` runs it with uvicorn."""
