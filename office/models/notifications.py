"""Office: notifications tables."""

__all__: list[str] = []
