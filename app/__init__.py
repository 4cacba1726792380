"""FieldDesk: an offline-first desktop client for Sentera FieldAgent."""

__version__ = "0.1.0"
APP_NAME = "FieldDesk"
