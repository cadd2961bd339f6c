// An encrypted PostgreSQL database and a read replica, from the encryptedrds component package.
import * as pulumi from "@pulumi/pulumi";
import * as encryptedrds from "@pulumi/encryptedrds";

const config = new pulumi.Config();
const subnetIds = config.requireObject<string[]>("subnetIds");
const securityGroupIds = config.requireObject<string[]>("securityGroupIds");
const region = new pulumi.Config("aws").require("region");

// A customer managed key with rotation: storage, backups, snapshots, the replica and the master
// secret are all encrypted with it.
const key = new encryptedrds.EncryptionKey("orders-key", {
    alias: "alias/orders-db",
    description: "Orders database",
    deletionWindowDays: 30,
});

const database = new encryptedrds.EncryptedDatabase("orders-db", {
    kmsKeyArn: key.keyArn,
    engine: "postgres",
    engineVersion: "16",
    instanceClass: "db.t4g.medium",
    identifier: "orders-db",
    subnetIds,
    vpcSecurityGroupIds: securityGroupIds,
    // AWS cannot create a read replica of a source whose password Secrets Manager manages
    // (except SQL Server): the password is generated and sent through write-only inputs instead.
    passwordMode: "write-only",
    backupRetentionDays: 7,
    region,
    tags: { App: "orders" },
});

// Same region: the replica is encrypted with the source's key (no key of its own is passed).
const replica = new encryptedrds.EncryptedReadReplica("orders-replica", {
    sourceDbIdentifier: database.identifier,
    sourceDbArn: database.instanceArn,
    sourceKmsKeyArn: database.kmsKeyArn,
    sourceRegion: region,
    sourceEngine: "postgres",
    sourceStorageEncrypted: true,
    sourceBackupRetentionDays: 7,
    sourcePasswordMode: "write-only",
    instanceClass: "db.t4g.medium",
    identifier: "orders-replica",
    vpcSecurityGroupIds: config.requireObject<string[]>("securityGroupIds"),
});

export const endpoint = database.endpoint;
export const replicaEndpoint = replica.endpoint;
export const masterSecretArn = database.masterUserSecretArn;
export const kmsKeyArn = key.keyArn;
