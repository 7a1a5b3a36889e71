from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    name = "office"
    verbose_name = _("Office")

    def ready(self) -> None:
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from erp.registry import (
            register_demo_loader,
            register_document_panel,
            register_header_item,
            register_home_panel,
            register_login_option,
            register_profile_section,
        )
        from erp.roles import register_role_grants
        from office import receivers, signals  # noqa: F401  (connects the receivers, declares the hook)
        from office.demo import load_office_demo
        from office.imports import KINDS as IMPORT_KINDS
        from office.notification_channels import register_channel, register_group_channel, register_kind
        from office.notification_panels import home_announcements, profile_preferences
        from office.panels import document_tasks, home_inbox
        from office.panels_approvals import document_approvals
        from office.roles import ROLE_GRANTS
        from office.scoping import register as register_scopes
        from office.services.notifications import register_builtin_channels
        from office.services.wecom_channels import (
            has_robot,
            reachable_on_wecom,
            send_robot,
            send_wecom,
            users_on_wecom,
        )
        from office.views_wecom_signin import login_option as wecom_login_option

        register_menu(MenuEntry("office", _("Task inbox"), "office:inbox", "office.view_task", order=10))
        register_menu(MenuEntry("office", _("Approvals"), "office:approval_list", "office.view_approvalrequest",
                                order=11))
        register_menu(MenuEntry("office", _("WeCom"), "office:wecom_settings", "office.view_wecomsettings", order=90))
        register_header_item("office", "office/partials/header_inbox.html", permission="office.view_task", order=10)
        register_header_item("office", "office/approvals/partials/header_approvals.html",
                             permission="office.view_approvalrequest", order=11)
        register_home_panel("office", "office/partials/home_inbox.html", home_inbox, permission="office.view_task",
                            order=90)
        register_demo_loader("office", load_office_demo, order=10)
        register_role_grants("office", ROLE_GRANTS)
        register_scopes()
        register_document_panel("office", "office/panels/tasks.html", document_tasks, permission="office.view_task",
                                order=40)
        register_document_panel("office", "office/panels/approvals.html", document_approvals,
                                permission="office.view_approvalrequest", order=35)
        for kind in IMPORT_KINDS:
            register_import_kind(kind)
        register_login_option("office", "office/wecom/login_option.html", wecom_login_option, order=10)
        # Notifications and announcements (docs/office.md, "Notifications and announcements").
        register_builtin_channels()
        # WeChat Work: app messages (approval cards for approvals) and the departments' group robots.
        register_channel("wecom", _("WeCom"), send_wecom, available_for=reachable_on_wecom, reachable=users_on_wecom,
                         order=20)
        register_group_channel("wecom_robot", _("WeCom group robot"), send_robot, available_for=has_robot)
        register_kind("office.approval_waiting", _("Approval waiting"),
                      _("A request waits for your approval (on WeCom: a card to approve or reject)."),
                      default_channels=("inapp", "wecom", "email"))
        register_kind("office.approval_reminder", _("Approval reminder"),
                      _("A request you have not decided reached its reminder time."),
                      default_channels=("inapp", "wecom"))
        register_kind("office.approval_decided", _("Approval decided"),
                      _("Your request was approved, rejected or returned for changes."),
                      default_channels=("inapp", "wecom"))
        register_kind("office.task_assigned", _("Task assigned"),
                      _("A task waits for you, your role or your department."), default_channels=("inapp", "wecom"))
        register_kind("office.announcement", _("Announcement"), _("An announcement for you was published."),
                      default_channels=("inapp", "wecom"))
        register_menu(MenuEntry("office", _("Announcements"), "office:announcement_list", "office.view_announcement",
                                order=11))
        register_header_item("office", "office/partials/header_notifications.html",
                             permission="office.view_notification", order=5)
        register_home_panel("office", "office/partials/home_announcements.html", home_announcements,
                            permission="office.view_announcement", order=80)
        register_profile_section("office", "office/partials/profile_preferences.html", profile_preferences,
                                 permission="office.view_notificationpreference", order=10)
