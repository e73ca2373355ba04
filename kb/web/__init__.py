"""The web side: what Datasette serves from the built ``kb.db``.

* :mod:`kb.web.serve` configures the one Datasette instance (immutable database, ``metadata.json``, settings,
  templates, plugins, static files) and follows the latest build while serving;
* :mod:`kb.web.pages` gathers the data of the reviewer's and reader's pages (home, claim, article review, study,
  evidence map, search, methods) as plain values; :mod:`kb.web.evidence_map` lays out and draws the map, and
  :mod:`kb.web.search` turns any query into a safe full-text search with the field's synonyms;
* :mod:`kb.web.page_cache` and :mod:`kb.web.request_limits` are the middleware that keeps the site fast for many
  readers and calm under hostile requests;
* ``plugins/`` are thin Datasette plugins over these modules, ``templates/`` the markup, ``static/`` the stylesheet.
"""
