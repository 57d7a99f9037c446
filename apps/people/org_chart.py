from dataclasses import dataclass, field

from django.db.models import QuerySet

from .models import Profile


@dataclass
class OrgNode:
    profile: Profile
    reports: list["OrgNode"] = field(default_factory=list)


def build_org_chart(profiles: QuerySet[Profile]) -> list[OrgNode]:
    """The reporting tree from one query: people without a (visible) manager are the roots."""
    nodes = {p.user_id: OrgNode(p) for p in profiles.order_by("display_name", "id")}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.profile.manager_id)
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.reports.append(node)
    return roots
