"""The procedure definitions: what each administrative procedure's dossier must contain (one
YAML file each). Not to be confused with the catalogue, the archive's SQL index (``storage``)."""
