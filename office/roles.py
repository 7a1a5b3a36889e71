"""Which roles hold the office's permissions (registered in OfficeConfig.ready)."""

from erp.roles import EVERY_ROLE, OFFICE

ROLE_GRANTS = {
    EVERY_ROLE: ["office.view_task", "office.add_task", "office.change_task"],  # everybody works with the inbox
    # WeCom's settings, robots and user mapping are the company admins' (System admin: every permission)
    OFFICE: ["office.*", "!office.*_wecom*"],
}
