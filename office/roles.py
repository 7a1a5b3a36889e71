"""Which roles hold the office's permissions (registered in OfficeConfig.ready)."""

from erp.roles import EVERY_ROLE, OFFICE

ROLE_GRANTS = {
    EVERY_ROLE: ["office.view_task", "office.add_task", "office.change_task"],  # everybody works with the inbox
    # Mapping WeCom accounts decides who signs in as whom: the system admin's (who holds everything).
    OFFICE: ["office.*", "!office.*_wecomidentity"],
}
