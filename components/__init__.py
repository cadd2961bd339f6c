"""Encrypted Amazon RDS with customer managed KMS keys, as Pulumi components."""

from .cluster import EncryptedCluster, EncryptedClusterArgs
from .database import EncryptedDatabase, EncryptedDatabaseArgs
from .encryption_key import EncryptionKey, EncryptionKeyArgs
from .validation import InvalidArgumentsError

__all__ = [
    "EncryptedCluster",
    "EncryptedClusterArgs",
    "EncryptedDatabase",
    "EncryptedDatabaseArgs",
    "EncryptionKey",
    "EncryptionKeyArgs",
    "InvalidArgumentsError",
]
