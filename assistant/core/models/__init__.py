"""Model files: GGUF facts, the embedded defaults, the catalog, downloads, hardware fit."""
