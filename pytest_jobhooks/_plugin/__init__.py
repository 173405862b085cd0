"""The pytest side of each feature, one module per feature (loaded by :mod:`pytest_jobhooks.plugin`)."""
