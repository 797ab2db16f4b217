"""Turning samples and models into files: images, grids, and later videos and model formats."""
