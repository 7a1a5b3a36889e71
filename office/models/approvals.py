"""Office: approvals tables."""

__all__: list[str] = []
