"""Encrypted RDS: a customer managed KMS key and a database encrypted with it, for this stack."""

import pulumi

from infrastructure import deploy, tune_garbage_collector
from stack_config import load_stack_config

tune_garbage_collector()
for name, value in deploy(load_stack_config()).items():
    pulumi.export(name, value)
