"""The account and key-person imports (columns, row checks, kinds) and the list export."""

# columns: the file columns and choice cells; account_rows / people_rows: the dry run and the
# bulk write of each kind; kinds: their declarations to crm.imports; export: the account list.
