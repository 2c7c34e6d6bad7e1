"""The account and key-person imports (declared in kinds) and the account list export.

columns: the file columns and choice cells; account_rows / people_rows: the dry run and the
bulk write of each kind; kinds: their declarations to the import pipeline (crm.imports);
export: the filtered account list. Views are in crm/accounts/transfer_views.py.
"""
