"""Resource options a component hands to its children."""

from __future__ import annotations

import pulumi


def child_options(parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, **extra) -> pulumi.ResourceOptions:
    """Parent the child to the component and carry ``retain_on_delete`` down to it.

    Pulumi children inherit ``protect`` from their parent component but not
    ``retain_on_delete``, so a component retained on delete must pass it on itself, or a
    ``pulumi destroy`` of a retained stack would still delete the key and the database.
    """
    retain = opts.retain_on_delete if opts else None
    return pulumi.ResourceOptions(parent=parent, retain_on_delete=retain, **extra)
