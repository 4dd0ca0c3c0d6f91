"""Third-party model admins (auth's groups, django-axes, django-celery-beat) in the admin's theme.

Their admin classes extend Django's ModelAdmin; re-registered here as subclasses that also extend
unfold's ModelAdmin (and their inlines unfold's inlines), they keep their behaviour and get the theme's
templates, widgets and filters. apps.core's admin module runs this once, after those apps registered.
"""

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from unfold import admin as unfold_admin


def _themed_inline(inline: type[InlineModelAdmin]) -> type[InlineModelAdmin]:
    if issubclass(inline, unfold_admin.TabularInline | unfold_admin.StackedInline):
        return inline
    base = unfold_admin.StackedInline if issubclass(inline, admin.StackedInline) else unfold_admin.TabularInline
    return type(inline.__name__, (inline, base), {"__module__": inline.__module__})


def themed(admin_class: type[admin.ModelAdmin], **overrides) -> type[admin.ModelAdmin]:
    """`admin_class` with unfold's ModelAdmin mixed in (and its inlines themed), plus `overrides`."""
    attributes = {"__module__": admin_class.__module__, **overrides}
    attributes["inlines"] = [_themed_inline(inline) for inline in attributes.get("inlines", admin_class.inlines)]
    if issubclass(admin_class, unfold_admin.ModelAdmin):
        return type(admin_class.__name__, (admin_class,), attributes)
    return type(admin_class.__name__, (admin_class, unfold_admin.ModelAdmin), attributes)


def adopt_registered_admins(site: admin.AdminSite) -> list[str]:
    """Re-register every model admin of `site` that is not yet unfold's; returns the models' labels."""
    adopted = []
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, unfold_admin.ModelAdmin):
            continue
        site.unregister(model)
        site.register(model, themed(type(model_admin)))
        adopted.append(model._meta.label)
    return adopted
