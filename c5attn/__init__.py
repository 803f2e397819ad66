"""c5attn: find, explain and resolve Commerce5 "Needs Attention" orders."""

__version__ = "0.1.0"
