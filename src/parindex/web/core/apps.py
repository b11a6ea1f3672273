from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Base templates, static files, health check, number formats."""

    default = True
    name = "parindex.web.core"
    label = "core"
    verbose_name = _("parindex")


class ParindexAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with a site that lets in system administrators by role."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "parindex.web.core.admin_site.ParindexAdminSite"
