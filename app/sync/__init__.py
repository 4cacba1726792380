"""Synchronisation: the Qt-free engine and its Qt worker adapter."""
