"""Encrypted Amazon RDS with customer managed KMS keys, as Pulumi components."""

from .cluster import EncryptedCluster, EncryptedClusterArgs
from .config_rules import EncryptionComplianceRules, EncryptionComplianceRulesArgs
from .database import EncryptedDatabase, EncryptedDatabaseArgs
from .encryption_key import EncryptionKey, EncryptionKeyArgs
from .global_cluster import EncryptedGlobalCluster, EncryptedGlobalClusterArgs
from .migration import EncryptedMigration, EncryptedMigrationArgs
from .read_replica import EncryptedReadReplica, EncryptedReadReplicaArgs
from .replica_key import EncryptionReplicaKey, EncryptionReplicaKeyArgs
from .shared_snapshot_import import SharedSnapshotImport, SharedSnapshotImportArgs
from .snapshot_copy import EncryptedSnapshotCopy, EncryptedSnapshotCopyArgs
from .snapshot_sharing import SnapshotSharing, SnapshotSharingArgs
from .validation import InvalidArgumentsError

__all__ = [
    "EncryptedCluster",
    "EncryptedClusterArgs",
    "EncryptedDatabase",
    "EncryptedDatabaseArgs",
    "EncryptedGlobalCluster",
    "EncryptedGlobalClusterArgs",
    "EncryptedMigration",
    "EncryptedMigrationArgs",
    "EncryptedReadReplica",
    "EncryptedReadReplicaArgs",
    "EncryptedSnapshotCopy",
    "EncryptedSnapshotCopyArgs",
    "EncryptionComplianceRules",
    "EncryptionComplianceRulesArgs",
    "EncryptionKey",
    "EncryptionKeyArgs",
    "EncryptionReplicaKey",
    "EncryptionReplicaKeyArgs",
    "InvalidArgumentsError",
    "SharedSnapshotImport",
    "SharedSnapshotImportArgs",
    "SnapshotSharing",
    "SnapshotSharingArgs",
]
