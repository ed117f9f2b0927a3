"""The user's files: reading vector layers and the layers a plan names, the dataset
catalogue and fetcher, quick plans made from files, and atomic outputs.

io may use the plan format and the built-in pack; it never measures anything.
"""
