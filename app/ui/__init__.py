"""The FieldDesk desktop window: Qt widgets, item models and the glue to the sync worker.

The folders are the window's structure:

    application.py  start-up: the QApplication, the store, the session, the event loop
    window.py       MainWindow: places the panes and connects their signals
    catalogue/      the catalogue pane: organization → field → survey tree and its filter
    mosaics/        the mosaics pane: filter bar, lazy table, notice page, details
    sync/           the sync presenter: toolbar actions, banner, status bar
    map/            (empty) the map pane's place
    session/        AppSession: account, connection monitor, sync by itself, preferences
    dialogs/        sign-in, settings and sync problems
    common/         what every part uses: the task manager, icons, formatting, settings keys
"""
