"""Quality metrics of generated samples."""
