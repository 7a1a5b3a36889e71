"""Which roles hold the office's permissions (registered in OfficeConfig.ready)."""

from erp.roles import EVERY_ROLE, OFFICE

ROLE_GRANTS = {
    # Everybody works with the inbox, reads their notifications and the announcements for them, and
    # sets their own notification preferences.
    EVERY_ROLE: ["office.view_task", "office.add_task", "office.change_task", "office.view_notification",
                 "office.change_notification", "office.view_announcement", "office.view_notificationpreference",
                 "office.add_notificationpreference", "office.change_notificationpreference"],
    # Office staff run the office, announcements included; what the channels delivered is the system
    # admins' (who hold every permission) to look after.
    OFFICE: ["office.*", "!office.*_notificationdelivery", "!office.*_broadcast"],
}
