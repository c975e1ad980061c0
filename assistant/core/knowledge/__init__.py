"""Hearth's document knowledge base: collections, parsing, chunking, embedding, retrieval, citations.

Importing this package does not import chromadb, torch or sentence-transformers; they load on
first use.
"""
from __future__ import annotations

from .base import KnowledgeBase
from .citations import NO_RELEVANT_PASSAGES, build_context_block, citations_in_answer
from .embedders import Embedder, HashEmbedder, SentenceTransformerEmbedder
from .types import (Citation, CollectionInfo, CollectionNotFound, EmbedderMismatch, FileReport, IndexProgress,
                    KnowledgeError, Passage, SourceFile)

__all__ = ["Citation", "CollectionInfo", "CollectionNotFound", "Embedder", "EmbedderMismatch", "FileReport",
           "HashEmbedder", "IndexProgress", "KnowledgeBase", "KnowledgeError", "NO_RELEVANT_PASSAGES", "Passage",
           "SentenceTransformerEmbedder", "SourceFile", "build_context_block", "citations_in_answer"]
