"""Namespace of the original project layout: systems.pixel_compiler.<module>."""
