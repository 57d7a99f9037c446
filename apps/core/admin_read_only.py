"""A ModelAdmin mixin for rows that change only through their services.

The admin site's forms save rows directly: no permission rule, no rendering of Markdown,
no audit entry, no cache or live update that the service would have made. Where an app's
own pages make those changes, its admin shows the rows and changes nothing.
"""

from django.http import HttpRequest


class ReadOnlyAdmin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
