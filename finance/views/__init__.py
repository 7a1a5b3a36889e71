"""Finance's screens (one module per area): the chart of accounts and the account roles, the periods,
the journal entries, an account's ledger and the reports. They read through finance.selectors (the
user's company only: another company's record is a 404) and write through one service call each."""
