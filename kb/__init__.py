"""Evidence and claims knowledge base: claims anchored to their words, linked to verified studies."""

__version__ = "0.1.0"
