"""What ``pulumi stack export`` would write after ``pulumi up`` of one of this project's stacks.

    python -m offline.export --stack prod > prod.json                 # like `pulumi stack export`
    python -m offline.export --stack prod --show-secrets > prod.json  # like `... --show-secrets`
    python -m offline.export --stack dev --diy > dev.json             # a DIY backend's stack file

The real program runs under Pulumi's mock runtime (``offline.runtime``) and its registrations are
written as a checkpoint in the format of pulumi/pulumi ``sdk/go/common/apitype/core.go``: the root
stack resource, the default ``pulumi:providers:aws`` provider every custom resource references as
``<urn>::<id>``, inputs with the bridged provider's ``__defaults``, outputs with the mocks' computed
values, ``propertyDependencies`` (``null`` for none, as the engine writes them) and secrets as
``ciphertext`` (or ``plaintext`` JSON text). It lets the audit (``offline.audit``) run, and be
tested, on stacks this project really deploys, without an AWS account or the CLI.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY

from offline.runtime import RecordedResource, StackRun, project_file, run_stack_for, stack_command

SDK_VERSION = version("pulumi")
AWS_VERSION = version("pulumi-aws")


def _ciphertext(plaintext: str) -> str:
    # Shaped like the passphrase secrets manager's "v1:<nonce>:<sealed>"; unreadable by design.
    digest = hashlib.sha256(plaintext.encode()).digest()
    return f"v1:{base64.b64encode(digest[:12]).decode()}:{base64.b64encode(digest).decode()}"


def state_value(value: Any, show_secrets: bool) -> Any:
    """A property value as the engine serializes it into state (wire secrets become state secrets)."""
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG and "value" in value:
            plaintext = json.dumps(state_value(value["value"], show_secrets))
            key = "plaintext" if show_secrets else "ciphertext"
            return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, key: plaintext if show_secrets else _ciphertext(plaintext)}
        return {key: state_value(item, show_secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [state_value(item, show_secrets) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Go writes a float64 without a fraction as an integer
    return value


def _resource(record: RecordedResource, provider_ref: str, show_secrets: bool, timestamp: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"urn": record.urn, "custom": record.custom}
    if record.custom:
        resource["id"] = record.id
    resource["type"] = record.type
    if record.custom:
        resource["inputs"] = {**state_value(record.inputs, show_secrets), "__defaults": []}
        # Write-only inputs (passwordWo, secretStringWo) never come back from the provider.
        outputs = {k: v for k, v in record.outputs.items() if not k.endswith("Wo")}
        resource["outputs"] = {**state_value(outputs, show_secrets), "id": record.id}
    resource["parent"] = record.parent
    if record.protect:
        resource["protect"] = True
    if record.dependencies:
        resource["dependencies"] = list(record.dependencies)
    if record.custom:
        resource["provider"] = record.provider or provider_ref
    if record.property_dependencies:
        resource["propertyDependencies"] = {k: list(v) or None for k, v in record.property_dependencies.items()}
    if record.retain_on_delete:
        resource["retainOnDelete"] = True
    resource["created"] = resource["modified"] = timestamp
    return resource


def deployment(run: StackRun, show_secrets: bool = False) -> dict[str, Any]:
    """The run as a ``DeploymentV3``."""
    project = project_file()["name"]
    timestamp = datetime.now(UTC).isoformat()
    prefix = f"urn:pulumi:{run.stack}::{project}::"
    stack_urn = f"{prefix}pulumi:pulumi:Stack::{project}-{run.stack}"
    provider_urn = f"{prefix}pulumi:providers:aws::default_{AWS_VERSION.replace('.', '_')}"
    provider_id = str(uuid.uuid5(uuid.NAMESPACE_URL, provider_urn))
    provider_inputs = {"region": run.config.get("aws:region", "us-east-1"), "version": AWS_VERSION}
    cli_version = f"v{SDK_VERSION}"
    return {
        "manifest": {
            "time": timestamp,
            "magic": hashlib.sha256(cli_version.encode()).hexdigest(),
            "version": cli_version,
            "plugins": [{"name": "aws", "path": "", "type": "resource", "version": AWS_VERSION}],
        },
        "secrets_providers": {"type": "passphrase", "state": {"salt": f"v1:{_ciphertext(run.stack)[3:19]}"}},
        "resources": [
            {
                "urn": stack_urn,
                "custom": False,
                "type": "pulumi:pulumi:Stack",
                "outputs": state_value(run.outputs, show_secrets),
                "created": timestamp,
                "modified": timestamp,
            },
            {
                "urn": provider_urn,
                "custom": True,
                "id": provider_id,
                "type": "pulumi:providers:aws",
                "inputs": provider_inputs,
                "outputs": provider_inputs,
                "created": timestamp,
                "modified": timestamp,
            },
            *(_resource(r, f"{provider_urn}::{provider_id}", show_secrets, timestamp) for r in run.resources),
        ],
        "metadata": {},
    }


def export_document(run: StackRun, show_secrets: bool = False) -> dict[str, Any]:
    """What ``pulumi stack export`` writes."""
    return {"version": 3, "deployment": deployment(run, show_secrets)}


def diy_stack_file(run: StackRun, show_secrets: bool = False) -> dict[str, Any]:
    """What a DIY backend keeps in ``.pulumi/stacks/<project>/<stack>.json``."""
    project = project_file()["name"]
    return {
        "version": 3,
        "checkpoint": {"stack": f"organization/{project}/{run.stack}", "latest": deployment(run, show_secrets)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = stack_command(__doc__.splitlines()[0])
    parser.add_argument("--show-secrets", action="store_true", help="write secrets as plaintext")
    parser.add_argument("--diy", action="store_true", help="write a DIY backend stack file instead of an export")
    arguments = parser.parse_args(argv)
    run = run_stack_for("offline export", arguments.stack)
    if run is None:
        return 2
    document = (diy_stack_file if arguments.diy else export_document)(run, arguments.show_secrets)
    json.dump(document, sys.stdout, indent=4)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
