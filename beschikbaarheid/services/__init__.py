"""Services between views/CLI/jobs and the models: the one place each change to the register happens."""
