"""Standard formats other tools read: a Frictionless data package, RIS, BibTeX, CSL-JSON and ClaimReview.

Each module turns rows of the built ``kb.db`` into one format; ``kb release``
(:mod:`kb.release`) writes them into a release, and the Datasette plugin
``kb/web/plugins/kb_exports.py`` serves them from the site.
"""
