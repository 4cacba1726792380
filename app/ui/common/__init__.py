"""What every part of the window uses: the task manager (the one way to run work off
the UI thread), icons, wording of numbers and dates, and the QSettings keys."""
