"""Which roles hold the office's permissions (registered in OfficeConfig.ready)."""

from erp.roles import EVERY_ROLE, MANAGER, OFFICE

ROLE_GRANTS = {
    EVERY_ROLE: [
        "office.view_task", "office.add_task", "office.change_task",  # everybody works with the inbox
        # Everybody sees the approval requests they take part in and decides their own steps (the engine
        # checks the seat), reads the rules, and sets their own delegation while away.
        "office.view_approvalrequest", "office.view_approvalrule",
        "office.view_approvaldelegation", "office.add_approvaldelegation", "office.change_approvaldelegation",
        "office.delete_approvaldelegation",
    ],
    # Office staff edit the rules, see every request and set anyone's delegation. WeCom's settings,
    # robots and user mapping are the company admins' (System admin: every permission).
    OFFICE: ["office.*", "!office.*_wecom*"],
    MANAGER: ["office.see_all_approvals"],
}
