"""4. Understand: the knowledge base (load, lint) and the hybrid matcher (embeddings, fuzzy, keywords)."""
