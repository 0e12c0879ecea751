"""In-tree reasoner backends."""
