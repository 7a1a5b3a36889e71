"""/api/inventory/: the item master, the stock documents, balances and the ledger over HTTP.

Every queryset is limited to the user's company; documents, balances and moves also to the
warehouses the user may see (``selectors.warehouses_for_user``). Writes go through the services,
so the API refuses exactly what the screens refuse: a DomainError becomes a 400/409 with the field
to blame (``erp.api.exception_handler``). Creating or posting in a warehouse the user may not
operate is a 403.

- ``common``: the API root, the warehouse check, lot numbers, resolving locations and lots by code
- ``masterdata``: units, items, warehouses, locations, lots
- ``documents``: receipts, issues, transfers, adjustments, counts
- ``deliveries``: delivery notes
- ``stock``: balances and the stock ledger

The generic tools (code fields, query parameters, the company viewset mixin) are the core's, in
``erp.api``; ``inventory.api_urls`` registers the viewsets.
"""
