"""The mosaics pane: the lazy table over the store's query (`model`, `columns`, `view`),
its filters, the notice shown when it is empty, and the selected mosaic’s details."""
