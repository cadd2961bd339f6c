"""Encrypted Amazon RDS with customer managed KMS keys, as Pulumi components."""

from .cluster import EncryptedCluster, EncryptedClusterArgs
from .database import EncryptedDatabase, EncryptedDatabaseArgs
from .encryption_key import EncryptionKey, EncryptionKeyArgs
from .global_cluster import EncryptedGlobalCluster, EncryptedGlobalClusterArgs
from .read_replica import EncryptedReadReplica, EncryptedReadReplicaArgs
from .replica_key import EncryptionReplicaKey, EncryptionReplicaKeyArgs
from .validation import InvalidArgumentsError

__all__ = [
    "EncryptedCluster",
    "EncryptedClusterArgs",
    "EncryptedDatabase",
    "EncryptedDatabaseArgs",
    "EncryptedGlobalCluster",
    "EncryptedGlobalClusterArgs",
    "EncryptedReadReplica",
    "EncryptedReadReplicaArgs",
    "EncryptionKey",
    "EncryptionKeyArgs",
    "EncryptionReplicaKey",
    "EncryptionReplicaKeyArgs",
    "InvalidArgumentsError",
]
