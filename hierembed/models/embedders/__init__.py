from .class_embedder import ClassEmbedder

__all__ = ['ClassEmbedder']
