"""Keys in the right place (stack rules): regions, replicas, approved and RDS-capable keys.

These rules see the whole stack, so they judge keys by where the value came from
(``propertyDependencies``) when the ARN itself is still unknown at preview. Region mismatches
are reported only when both regions are provable; everything else abstains.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from .key_usage import RDS_ENCRYPTION_DOC, STORAGE_KEY, KeyProp, cross_region_copy, key_props
from .keyrefs import KeyRef, key_ref, storage_key
from .kms_keys import RDS_SPEC, RDS_USAGE, key_spec, symmetric_encryption
from .lineage import COPY, REPLICA, UNDECIDED, UNENCRYPTED, Source, protection, same_region, source_of
from .props import parse_key_id
from .rule import (
    ALIAS,
    AWS_REJECTS,
    BACKUP_REPLICATION,
    CLUSTER,
    CLUSTER_INSTANCE,
    COPIES,
    INSTANCE,
    KEYS,
    KEYS_AND_ALIASES,
    PLACEMENT,
    Resource,
    Rule,
    Settings,
    Stack,
    no_control,
)

KEYED_TYPES = (INSTANCE, CLUSTER, CLUSTER_INSTANCE, *COPIES, BACKUP_REPLICATION)
REPLICA_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html"


class KeyUse(NamedTuple):  # tuples: a large stack makes thousands per call
    resource: Resource
    prop: KeyProp
    ref: KeyRef


def _key_uses(stack: Stack) -> list[KeyUse]:
    # O(n): three key properties per keyed resource, each resolved through its own dependencies.
    uses = []
    for resource in stack.of(*KEYED_TYPES):
        for prop in key_props(resource):
            ref = storage_key(stack, resource) if prop is STORAGE_KEY else key_ref(resource, prop.prop)
            if ref is not None:
                uses.append(KeyUse(resource, prop, ref))
    return uses


def key_uses(stack: Stack) -> list[KeyUse]:
    return stack.memo("key_uses", _key_uses)


class Replication(NamedTuple):
    replica: Resource  # a read replica, or a snapshot copy
    source: Source
    same_region: bool | None  # None: not provable


def _replications(stack: Stack) -> list[Replication]:
    # O(n): per instance or cluster, its dependencies or one indexed Stack.find.
    found = []
    for resource in stack.of(INSTANCE, CLUSTER, *COPIES):
        source = source_of(stack, resource)
        if source is not None and source.kind in (REPLICA, COPY):
            found.append(Replication(resource, source, same_region(resource, source)))
    return found


def replications(stack: Stack) -> list[Replication]:
    """Replicas and copies with their sources: O(n), built once per stack from ``source_of``."""
    return stack.memo("replications", _replications)


def _key_label(ref: KeyRef) -> str:
    return ref.key.label if ref.key is not None else f"`{ref.value}`"


def same_region_replica_key(stack: Stack, _settings: Settings) -> Iterator[tuple[Resource, str]]:
    # O(n): one pass over the memoised replications.
    for rep in replications(stack):
        source = rep.source.resource
        if rep.same_region is not True or source is None or rep.source.kind != REPLICA:
            continue
        mine = storage_key(stack, rep.replica)
        if mine is None or mine.computed:
            continue
        theirs = protection(stack, source)
        if theirs.state in (UNDECIDED, UNENCRYPTED):
            continue  # an unencrypted source is reported by rds-replica-encryption-matches-source
        if theirs.key is not None and not mine.differs_from(theirs.key):
            continue
        source_key = "no customer managed key" if theirs.key is None else _key_label(theirs.key)
        yield (
            rep.replica,
            (
                f"`kmsKeyId` is {_key_label(mine)} but its same-region source {source.label} "
                f"uses {source_key}; expected no kmsKeyId (or exactly the source's key). AWS "
                "encrypts a same-region replica with the source's key. Fix: remove kms_key_id from "
                "the replica."
            ),
        )


def cross_region_replica_key(stack: Stack, _settings: Settings) -> Iterator[tuple[Resource, str]]:
    # O(n): one pass over the memoised replications.
    for rep in replications(stack):
        if rep.same_region is not False or (rep.source.kind == COPY and cross_region_copy(rep.replica)):
            continue  # a copy whose literal source ARN proves it is reported by rds-customer-managed-key
        source = rep.source.resource
        if source is not None and protection(stack, source).state == UNENCRYPTED:
            continue  # copies of unencrypted data are reported by rds-inherited-encryption
        mine = storage_key(stack, rep.replica)
        if mine is None or mine.computed:
            what = "replica" if rep.source.kind == REPLICA else "snapshot copy"
            yield (
                rep.replica,
                (
                    f"`kmsKeyId` is not set on a cross-region {what} in {rep.replica.region}; "
                    "expected the ARN of a customer managed key in that region (KMS keys are "
                    "regional). Fix: create a key with region=<its region> and pass "
                    "kms_key_id=<that key>.arn."
                ),
            )


def replica_encryption_matches(stack: Stack, _settings: Settings) -> Iterator[tuple[Resource, str]]:
    # O(n): one pass over the memoised replications.
    for rep in replications(stack):
        source = rep.source.resource
        if source is None or rep.source.kind != REPLICA:
            continue
        state = protection(stack, source).state
        if state == UNDECIDED:
            continue
        unencrypted = state == UNENCRYPTED
        replica = rep.replica.props.bool("storageEncrypted")
        ref = storage_key(stack, rep.replica)
        keyed = ref is not None and not ref.computed
        if isinstance(replica, bool) and replica == unencrypted:
            made = "encrypted" if replica else "unencrypted"
            yield (
                rep.replica,
                (
                    f"`storageEncrypted` is {str(replica).lower()} but source {source.label} is "
                    f"{'unencrypted' if unencrypted else 'encrypted'}; RDS cannot create an {made} "
                    "replica of it. Expected the same setting as the source. Fix: encrypt the source "
                    "first (snapshot, encrypted copy, restore) and replicate that."
                ),
            )
        elif unencrypted and keyed:
            yield (
                rep.replica,
                (
                    f"`kmsKeyId` is set but source {source.label} is unencrypted; a replica "
                    "cannot be encrypted when its source is not. Expected an encrypted source. Fix: "
                    "encrypt the source first (snapshot, encrypted copy, restore)."
                ),
            )


def key_in_resource_region(stack: Stack, _settings: Settings) -> Iterator[tuple[Resource, str]]:
    # O(n): one pass over the memoised key uses.
    for use in key_uses(stack):
        key_region, where = use.ref.region, "the resource is in"
        region = use.resource.region
        if use.prop.region_prop:
            region, where = use.resource.props.text(use.prop.region_prop), f"`{use.prop.region_prop}` is"
        if isinstance(region, str) and key_region and region != key_region:
            yield (
                use.resource,
                (
                    f"`{use.prop.prop}` is {_key_label(use.ref)} in {key_region}, but {where} "
                    f"{region}; KMS keys are regional, so expected a key in {region}. Fix: "
                    f'create (or replicate) a key with region="{region}" and pass its .arn.'
                ),
            )


def _not_for_rds(stack: Stack) -> set[str]:
    return {key.urn for key in stack.of(*KEYS) if not symmetric_encryption(key.props)}


def symmetric_key(stack: Stack, _settings: Settings) -> Iterator[tuple[Resource, str]]:
    """O(u + k) for u key uses and k keys: each key's usage is judged once."""
    not_for_rds = stack.memo("not_for_rds", _not_for_rds)
    for use in key_uses(stack):
        key = use.ref.key
        if key is None or key.urn not in not_for_rds:
            continue
        usage, spec = key.props.text("keyUsage"), key_spec(key.props)
        yield (
            use.resource,
            (
                f"`{use.prop.prop}` is {key.label} with keyUsage {usage or RDS_USAGE} and spec "
                f"{spec or RDS_SPEC}; RDS only uses symmetric encryption keys, so expected "
                f'{RDS_USAGE} / {RDS_SPEC}. Fix: create the key with key_usage="{RDS_USAGE}" '
                f'and customer_master_key_spec="{RDS_SPEC}" (key_spec on ExternalKey).'
            ),
        )


def _aliases_by_target(stack: Stack) -> dict[str, list[Resource]]:
    """Aliases by what they target: the key resource's URN (``targetKeyId`` wired from it) and
    the key ARN or ID they name (``targetKeyArn``, a literal ``targetKeyId``). O(a) for a aliases."""
    index: dict[str, list[Resource]] = {}
    for alias in stack.of(ALIAS):
        targets = {r.urn for r in alias.deps("targetKeyId") if r.type in KEYS}
        targets.update(
            t for t in (alias.props.text("targetKeyArn"), alias.props.text("targetKeyId")) if isinstance(t, str)
        )
        for target in targets:
            index.setdefault(target, []).append(alias)
    return index


def _alias_names(alias: Resource, approved_arns: dict[str, set[str]]) -> set[str]:
    """The alias's name and ARN; while its ARN is unknown (not created yet), also the approved
    alias ARNs of that name (``approved_arns``: alias name -> approved alias ARNs)."""
    name, arn = alias.props.text("name"), alias.props.text("arn")
    names = {n for n in (name, arn) if isinstance(n, str)}
    if isinstance(name, str) and not isinstance(arn, str):
        names |= approved_arns.get(name, set())
    return names


def _names(stack: Stack, use: KeyUse, approved_arns: dict[str, set[str]]) -> set[str]:
    """Every identifier under which an approved-keys list could name this key: its ARN, and the
    names and ARNs of the aliases the pack can see target it (an Alias in the stack, created or
    read with ``aws.kms.Alias.get``, wired to the key or naming its ARN)."""
    ref = use.ref
    names = {n for n in (ref.value, ref.arn) if isinstance(n, str)}
    # A known ARN without a dependency (config, an invoke, a replica's inherited key) may still be a stack key.
    key = ref.key or stack.find(KEYS, ref.arn, "arn")
    targets = {
        t for t in (ref.arn, key.urn if key else None, key.props.text("keyId") if key else None) if isinstance(t, str)
    }
    by_target = stack.memo("aliases_by_target", _aliases_by_target)
    aliases = {a.urn: a for target in targets for a in by_target.get(target, ())}
    if ref.alias is not None:
        aliases[ref.alias.urn] = ref.alias
    known = stack.memo("alias_names", _nothing_yet)
    for alias in aliases.values():
        if alias.urn not in known:  # each alias's names once per call, however many keys it names
            known[alias.urn] = _alias_names(alias, approved_arns)
        names |= known[alias.urn]
    return names


def _nothing_yet(_stack: Stack) -> dict[str, set[str]]:
    return {}


def approved_key(stack: Stack, settings: Settings) -> Iterator[tuple[Resource, str]]:
    """O(u) for u key uses: aliases come from a per-stack index, keys through ``Stack.find``."""
    if not settings.approved_keys:
        return
    approved = set(settings.approved_keys)
    names_aliases = any(parse_key_id(a).is_alias for a in approved)
    approved_arns: dict[str, set[str]] = {}  # alias name -> the approved alias ARNs of that name
    for entry in approved:
        if (parsed := parse_key_id(entry)).kind == "alias-arn":
            approved_arns.setdefault(f"alias/{parsed.name}", set()).add(entry)
    names_of: dict[tuple[Any, str | None, str | None], set[str]] = {}
    for use in key_uses(stack):
        if use.ref.computed:
            continue
        ref = use.ref
        same_key = (ref.value, ref.key.urn if ref.key else None, ref.alias.urn if ref.alias else None)
        if same_key not in names_of:  # uses of one key share its names: one lookup per key
            names_of[same_key] = _names(stack, use, approved_arns)
        names = names_of[same_key]
        # A stack key whose ARN is unknown yet can still be approved through an alias.
        if not names & approved and (names or use.ref.key is not None):
            hint = (
                " The pack matches an alias only to a key it can see the alias target: pass the "
                "alias's target_key_arn (aws.kms.Alias.get reads an existing alias into the stack), "
                "or list key ARNs."
                if names_aliases
                else ""
            )
            yield (
                use.resource,
                (
                    f"`{use.prop.prop}` is {_key_label(use.ref)}, which is not in approvedKmsKeys; "
                    f"expected one of {', '.join(sorted(approved))}. Fix: use an approved key or add "
                    f"the key to the policy config.{hint}"
                ),
            )


RULES = (
    Rule(
        id="rds-key-in-resource-region",
        policy=PLACEMENT,
        types=KEYED_TYPES,
        summary="Every key property names a key in the resource's own region (cross-region "
        "replicas, backup replications, global secondaries, snapshot copies).",
        severity="critical",
        source="AWS RDS User Guide, Overview.Encryption.Limitations (KMS keys are specific to their Region)",
        url=f"{RDS_ENCRYPTION_DOC}#Overview.Encryption.Limitations",
        remediation="Create or replicate a key in the resource's region and pass its .arn.",
        check=key_in_resource_region,
        controls_note=AWS_REJECTS,
        keys=KEYS_AND_ALIASES,
    ),
    Rule(
        id="rds-same-region-replica-key",
        policy=PLACEMENT,
        types=(INSTANCE, CLUSTER),
        summary="A same-region replica names no key or exactly its source's key.",
        severity="critical",
        source="AWS RDS User Guide, Overview.Encryption.Limitations",
        url=f"{RDS_ENCRYPTION_DOC}#Overview.Encryption.Limitations",
        remediation="Remove kms_key_id from same-region replicas.",
        check=same_region_replica_key,
        controls_note=AWS_REJECTS,
        keys=KEYS_AND_ALIASES,
    ),
    Rule(
        id="rds-cross-region-replica-key",
        policy=PLACEMENT,
        types=(INSTANCE, CLUSTER),
        summary="A cross-region replica or snapshot copy of an encrypted source names a key (checked "
        "for the destination region by rds-key-in-resource-region).",
        severity="critical",
        source="AWS RDS User Guide, USER_ReadRepl.XRgn",
        url=REPLICA_DOC,
        remediation="Pass kms_key_id=<key in the replica's region>.arn.",
        check=cross_region_replica_key,
        controls_note=AWS_REJECTS,
        keys=KEYS_AND_ALIASES,
    ),
    Rule(
        id="rds-replica-encryption-matches-source",
        policy=PLACEMENT,
        types=(INSTANCE, CLUSTER),
        summary="Encrypted and unencrypted are never mixed between source and replica.",
        severity="critical",
        source="AWS RDS User Guide, Overview.Encryption.Limitations",
        url=f"{RDS_ENCRYPTION_DOC}#Overview.Encryption.Limitations",
        remediation="Encrypt the source (snapshot, encrypted copy, restore), then replicate.",
        check=replica_encryption_matches,
        controls_note=AWS_REJECTS,
    ),
    Rule(
        id="kms-key-symmetric-for-rds",
        policy=PLACEMENT,
        types=KEYED_TYPES,
        summary="Keys used by RDS are symmetric encryption keys (ENCRYPT_DECRYPT, SYMMETRIC_DEFAULT).",
        severity="high",
        source="AWS RDS User Guide, Overview.Encryption.Keys (symmetric keys only)",
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html",
        remediation="Create the key with key_usage ENCRYPT_DECRYPT and spec SYMMETRIC_DEFAULT.",
        check=symmetric_key,
        controls_note=AWS_REJECTS,
        keys=KEYS_AND_ALIASES,
    ),
    Rule(
        id="rds-approved-kms-key",
        policy=PLACEMENT,
        types=KEYED_TYPES,
        summary="When approvedKmsKeys is configured, every RDS key is one of them (by ARN or by an alias in the list).",
        severity="high",
        source="Organisation policy (AWS Security Hub KMS controls rationale)",
        url=RDS_ENCRYPTION_DOC,
        remediation="Use an approved key or extend approvedKmsKeys.",
        check=approved_key,
        config=("approvedKmsKeys",),
        controls_note=no_control("Organisation policy (approvedKmsKeys)"),
        keys=KEYS_AND_ALIASES,
    ),
)
