"""A legacy stack's export, as Pulumi writes it, and this project's own stacks as exports.

examples/audit/billing-prod.json is hand-written in the exact format of ``pulumi stack export``:
an unencrypted instance with an encrypted password, an instance on `alias/aws/rds`, a key without
rotation, aws-native resources, a replaced copy awaiting deletion, an interrupted create, a read
resource and a default provider without region. ``offline.export`` writes this project's stacks.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "examples" / "audit" / "billing-prod.json"
PREFIX = "urn:pulumi:billing-prod::billing::"
REPORTING = f"{PREFIX}aws:rds/instance:Instance::reporting-db"
ORDERS = f"{PREFIX}aws:rds/instance:Instance::orders-db"
SHARED = f"{PREFIX}aws:rds/instance:Instance::finance-shared-db"
KEY = f"{PREFIX}aws:kms/key:Key::billing-key"
NATIVE_DB = f"{PREFIX}aws-native:rds:DbInstance::analytics-db"
NATIVE_KEY = f"{PREFIX}aws-native:kms:Key::analytics-key"
AWS_PROVIDER = f"{PREFIX}pulumi:providers:aws::default_6_83_0"
PLAINTEXTS = {"password": "r3porting!", "masterUserPassword": "an4lytics!"}


def legacy() -> dict[str, Any]:
    return json.loads(LEGACY.read_text())


def write(path: Path, document: Any) -> str:
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=4))
    return str(path)


def with_secrets_shown(document: dict[str, Any]) -> dict[str, Any]:
    """What `pulumi stack export --show-secrets` writes: each secret's JSON text in the clear."""
    shown = copy.deepcopy(document)
    for resource in shown["deployment"]["resources"]:
        for bag in ("inputs", "outputs"):
            for key, value in resource.get(bag, {}).items():
                if isinstance(value, dict) and "ciphertext" in value:
                    resource[bag][key] = {k: v for k, v in value.items() if k != "ciphertext"}
                    resource[bag][key]["plaintext"] = json.dumps(PLAINTEXTS[key])
    return shown
