"""Reusable widgets: plots, image views, generated forms. No torch, no engine imports."""
