"""Intake: read an existing app and propose its builder.yaml, every value with the evidence it came from.

files (what the app holds, read with limits) -> detectors (one per thing detected, in an ordered registry) ->
Intake (what was found) -> spec_yaml (the commented builder.yaml). The app's files are untrusted input: they are
read as text, never imported or executed, and nothing read from them reaches the YAML except through a serializer.
"""
