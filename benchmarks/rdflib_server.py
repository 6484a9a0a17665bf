"""rdflib-endpoint serving an N-Quads file (the union of its graphs as the default graph), the
way a user would stand up a SPARQL endpoint with rdflib: `python -m benchmarks.rdflib_server
FILE PORT`. Listens on 127.0.0.1 only."""

from __future__ import annotations

import sys


def main(path: str, port: str) -> None:
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql", public_url=f"http://127.0.0.1:{port}/")
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning")


if __name__ == "__main__":
    main(*sys.argv[1:])
