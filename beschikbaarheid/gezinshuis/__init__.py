"""The gezinshuis coordination point: the region's gezinshuizen at a glance, the best match for a
child's profile, the coordinator's anonymous request log and the steering figures.

`access` holds the blueprint and who may see what; the pages live in `overview` (overview and best
match) and `requests` (request log and steering figures), each adding its routes when imported.
"""
