"""Scoring frameworks as data: model, YAML/Excel load and save, validation."""
