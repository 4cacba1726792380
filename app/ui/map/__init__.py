"""The map pane's place: nothing here yet.

The map pane shows the selected mosaic itself (NDVI or RGB, its colour ramp and legend,
the value under the cursor, last month's mosaic beside it). It goes here as its own
pane, like `catalogue/` and `mosaics/`: a widget that owns its state, takes the selected
mosaic from the mosaics pane by signal, and draws tiles that a Qt-free package reads
off the UI thread (through `app.ui.common.tasks`) at the overview level of the zoom.
`MainWindow` keeps its slot: the right-hand `side` splitter beside the details.
"""
