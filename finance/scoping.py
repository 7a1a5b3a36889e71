"""Who sees which finance rows (registered in FinanceConfig.ready; see erp.scoping): the company's
accountants see all of the company's books; lines follow their document."""

from erp.scoping import Through, register_scope


def register() -> None:
    register_scope("finance.customerinvoiceline", Through("invoice", "finance.customerinvoice"))
    register_scope("finance.paymentallocation", Through("payment", "finance.payment"))
