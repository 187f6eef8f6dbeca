"""lbrec: movie recommendations for Letterboxd users from a SASRec model trained on MovieLens."""

__version__ = "0.1.0"
