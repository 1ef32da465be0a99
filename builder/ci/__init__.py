"""The CI build stage: the plan's CI section, the steps `builder ci` runs, and what it writes for the CI system."""
