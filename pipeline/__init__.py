"""sohoa pipeline: capture → pages → documents → signed records → archive + catalogue."""
