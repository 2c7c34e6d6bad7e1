"""Supply-chain coverage: a parent account's vendors, their registration and campaigns.

How the pieces fit (details in each module's docstring):

- models: SupplyChainLink (one vendor of one parent: a registered account or a prospect,
  unique per parent by account and by NPWP), SupplyChainEvent (the link's history),
  SupplyChainSnapshot (a parent's coverage per month).
- services: access (the parent's RM, supervisors, admins), prospect fields, campaign
  status, and conversion: an NPP entered links the account holding it (or the NPWP) or
  creates it through crm.accounts.services.save_account with the parent's branch and RM;
  the same link row keeps its events and letter. The new account's `parent_id` (group
  holding) is NOT set: a vendor is not a subsidiary.
- reconcile: a prospect whose NPWP an account with an NPP holds (registered through another
  parent or an accounts import) is registered by the daily task, before the snapshot; a
  vendor added by hand with such an NPWP is registered at once, as on import.
- coverage: vendors registered / all, registered workers (latest contribution month,
  read live) / estimated workers; the roll-up; daily upsert of the month's snapshot
  (crm.supply_chain.jobs, `supply_chain.snapshot`); the trend.
- import_rows / imports / import_views: the vendor-list import, declared to the import
  pipeline (crm.imports: dry run, all or nothing, a job above IMPORT_SYNC_MAX_ROWS),
  matching by NPP or NPWP.
- campaign / campaign_views: invitation letters (`ajakan_kepesertaan`) as a LetterBatch,
  owned by the parent account and addressed to the vendors; `invited` when issued. One
  campaign per parent at a time: a double click lands on the first one's batch or job.
- queries / views / vendor_views: the pages under /supply-chain/ and the account panel.
"""
