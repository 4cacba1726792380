"""The catalogue pane: the tree of organizations, fields and surveys, read from the
store in the background (`snapshot`), merged in place (`model`), filtered (`proxy`)."""
