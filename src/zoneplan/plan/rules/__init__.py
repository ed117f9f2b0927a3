"""The rules a plan is read by: standards the figures are measured against
(``standards``), bounds on what a layer's figures can be (``plausibility``), what each
indicator means (``definitions``), and which facts are known by a date (``as_of``).
"""
