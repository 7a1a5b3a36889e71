"""Every write of the inventory app. Other departments change stock only through these functions
(or through events inventory subscribes to):

- ``stock``: the ledger engine — post moves, reserve, release, issue reserved stock.
- ``documents``: receipts, issues, transfers, adjustments and counts (draft, post, cancel).
- ``masterdata``: items, units, warehouses, locations, lots.
"""
