"""Counter scanners: devices that yield page images (SANE, eSCL), the hot folder that takes
whole files, and how a scanned batch becomes dossiers (separator sheets) and is submitted."""
