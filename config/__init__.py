"""Suqiu's shipped defaults, as package data: settings.yaml, rules/ (the detector's) and
templates/ (message texts, zh-CN).

There is no code here. Whoever reads a default finds it with
`importlib.resources.files("config")`, the same in a checkout and in an installed wheel; a
deployment layers its own settings file over settings.yaml (SUQIU_CONFIG) and may point at
its own rule and template directories (settings: `paths.rules`, `paths.templates`).
"""
