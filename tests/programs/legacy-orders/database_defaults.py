"""Imported from the program's own directory, as the Pulumi CLI lets a program do."""

INSTANCE_CLASS = "db.t3.medium"
