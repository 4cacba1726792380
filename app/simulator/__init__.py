"""A FieldAgent-compatible GraphQL server for the demo and every test (no Qt).

    from app.simulator import run_simulator, SimulatorConfig
    with run_simulator(SimulatorConfig(size="tiny", seed=1)) as sim:
        sim.graphql_url, sim.demo_token      # call it like api.sentera.com/graphql
        sim.dataset.add_mosaic(survey_id)    # change the account (see dataset.Dataset)
        sim.faults.add("http_status", status=503, query="sync_mosaics", times=2)
        sim.request_log                      # what was asked (see requestlog)
        sim.imagery.folder                   # where generated GeoTIFFs are cached
        sim.auth.advance_clock(3_601)        # tokens and download links expire now
        sim.stop(); sim.start()              # go offline and back, same port
        SimulatorConfig(hostile_names=True)  # a malicious server (see hostile)

Modules: `config` (settings, sizes), `generate` (the seeded account), `catalogue` and
`dataset` (state, sync pages, mutations), `scopes` (the sync algorithm), `graphql_api`
(schema and resolvers), `auth`/`auth_routes` (tokens, OAuth, legacy sessions),
`geometry` (field outlines), `files` (File records, signed links), `rasterplan`,
`rasterpixels` and `imagery` (the mosaics' GeoTIFFs: grid, pixels, cache), `filehost`
(the download links' server), `faults`/`delivery`/`hostile` (misbehaviour), `app` (routes),
`server` (uvicorn thread), `live` (changes over time), `__main__` (command line).
"""

from app.simulator.config import SimulatorConfig
from app.simulator.server import Simulator, run_simulator

__all__ = ["Simulator", "SimulatorConfig", "run_simulator"]
