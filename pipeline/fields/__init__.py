"""Fields: what a document says, read from its OCR words and validated before it is accepted.

``validators`` turns raw text into a canonical value or refuses it; ``layout`` finds a value
beside or below its printed label; ``extract`` knows each field's labels; ``official`` reads
the Decree 30/2020 layout of official documents; ``checks`` compares documents of a dossier.
"""
