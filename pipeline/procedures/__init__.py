"""The procedure catalogue: what each administrative procedure's dossier must contain."""
