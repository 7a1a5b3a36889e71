"""Office: wecom tables."""

__all__: list[str] = []
