"""What the two kinds of company sign-in (an LDAP directory, an OpenID provider) share: the roles
a person's groups give in the wiki."""

from __future__ import annotations

from collections.abc import Iterable


def roles_from_groups(groups: Iterable[str], role_map: dict[str, str]) -> tuple[str, ...]:
    """The wiki roles of someone in these groups, by a map of group -> role (compared without
    case, as directories compare DNs). An empty map makes everyone a member (the roles are
    then the wiki's to give: see `roles_managed`); with a map, someone in none of its groups
    gets no role at all, and so no access."""
    if not role_map:
        return ("member",)
    wanted = {group.lower(): role for group, role in role_map.items()}
    roles = {wanted[group.lower()] for group in groups if group.lower() in wanted}
    return tuple(sorted(roles | {"member"})) if roles else ()
