"""Forms of the inventory screens: master data and reports (masterdata.py), documents (documents.py)."""
