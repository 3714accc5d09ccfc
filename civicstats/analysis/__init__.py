"""Questions answered from the tables: rates, the source audit, the legal
obligation, the tool selection aid (one module each)."""
