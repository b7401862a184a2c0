"""Evidence files attached to criteria: the content-addressed file store, type detection of
uploads, and the use cases that attach and remove evidence. It may import `services.common`,
`services.lifecycle` and `services.scoring`.
"""
