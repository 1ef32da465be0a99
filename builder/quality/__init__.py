"""Quality gates: builder's own policy (Dockerfile, compose, image), hadolint and trivy, as one list of Findings.

Entry points are in gates.py; rules.py holds every builder rule ID with its severity, fix and the IDs other tools use.
"""
