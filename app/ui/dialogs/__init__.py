"""The window's dialogs: signing in, settings, and the sync problems FieldAgent reported."""
