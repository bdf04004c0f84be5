"""Who said what across articles: actors, their quotes, and the entity linking of their names."""
