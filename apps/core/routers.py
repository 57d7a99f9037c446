"""The API's routers: Django path converters, and a lookup that is a bounded id unless a viewset says otherwise.

A viewset whose lookup is not an id names its converter (`lookup_value_converter = "slug"`);
actions with an extra id in the path write it as `url_path="members/<id:user_id>"`.
"""

from rest_framework.routers import DefaultRouter, SimpleRouter


class ApiRouter(SimpleRouter):
    def __init__(self, trailing_slash: bool = True) -> None:
        super().__init__(trailing_slash=trailing_slash, use_regex_path=False)
        self._default_value_pattern = "id"


class ApiRootRouter(DefaultRouter):
    """`ApiRouter` with DRF's browsable root view at /api/v1/.

    Without format suffixes (`users.json`): the other routers never had them, and the
    `Accept` header chooses the format everywhere.
    """

    include_format_suffixes = False

    def __init__(self, trailing_slash: bool = True) -> None:
        super().__init__(trailing_slash=trailing_slash, use_regex_path=False)
        self._default_value_pattern = "id"
