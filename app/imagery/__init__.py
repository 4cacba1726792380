"""Mosaic imagery for the map, with no Qt: projections, COG reads, tiles, colour.

`geo` picks the map's CRS and projects field outlines; `raster` reads only the visible
window of a Cloud-Optimized GeoTIFF at the level the zoom needs; `tiles` is the tile
grid and a bounded cache; `ramps`, `stretch` and `render` turn values into colours;
`source` is the interface the map reads the store and the file library through.
Everything here is plain Python (rasterio, pyproj, numpy) and is tested alone.
"""
