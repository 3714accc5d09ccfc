"""Questions answered from the tables, one module each: rates, the source audit, waves, the legal
obligation, the tool selection aid, where open data is (organisations)."""

__all__: list[str] = []
