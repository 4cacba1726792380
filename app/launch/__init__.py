"""Start-up and shut-down glue for the double-click application.

A user who launches FieldDesk from a menu has no terminal, so everything that would
otherwise go to a console has to land somewhere they (or support) can find it:

- `early`: checks that must work before and without Qt (Python version, PySide6, the Qt
  platform plugin) and a last-resort way to tell the user why FieldDesk cannot start;
- `logs`: the private data directory, a rotating log file, faulthandler, Qt messages;
- `crash`: unexpected exceptions become a dialog with copyable details, never a vanish;
- `single_instance`: a second launch brings the running window forward instead of
  opening a second writer on the same database;
- `shutdown`: quitting during a sync cancels it and waits, bounded, with a dialog;
- `desktop_entry`: the Linux application-menu entry and icons under `~/.local/share`;
- `first_window`: knowing when the first window has painted (cold-start measurement).

`early`, `logs` and `desktop_entry` import no Qt at module level (they must run when Qt
is broken or absent); the others are Qt glue like `app.ui`.
"""
