"""Resource options a component hands to its children."""

import pulumi


def child_options(parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, **extra) -> pulumi.ResourceOptions:
    """Parent the child to the component and carry ``retain_on_delete`` and ``depends_on`` down to it.

    Pulumi children inherit ``protect`` from their parent component but neither ``retain_on_delete``
    nor ``depends_on``: without this, a component retained on delete would still have its key and
    database deleted by ``pulumi destroy``, and a component told to wait for another (a global
    database's secondary for its primary) would create its resources without waiting.
    """
    retain = opts.retain_on_delete if opts else None
    depends_on = opts.depends_on if opts else None
    return pulumi.ResourceOptions(parent=parent, retain_on_delete=retain, depends_on=depends_on, **extra)
