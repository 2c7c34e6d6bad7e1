"""CSV/XLSX import and export of accounts and key persons.

columns: the file columns and how cells become values; tabular: reading and writing files;
account_rows / people_rows: the dry run and the bulk write of each kind; runs: tickets and
the all-or-nothing run; export: the filtered account list and the templates; forms: the
upload and confirm forms. Views are in crm/accounts/transfer_views.py, jobs in
crm/accounts/jobs.py.
"""
