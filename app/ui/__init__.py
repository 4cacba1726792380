"""The FieldDesk desktop window: Qt widgets, item models and the glue to the sync worker."""
