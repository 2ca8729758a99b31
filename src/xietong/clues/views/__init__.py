"""Pages of the clue context, one module per sub-domain (see ``clues/urls.py``)."""
