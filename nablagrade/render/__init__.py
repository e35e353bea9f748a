"""Rendering: turning derived maths into documents.

``build`` compiles LaTeX to PDF in a sandbox (no shell escape, paranoid file access, a private
working directory, a time limit); the names below are its public interface.
"""

from nablagrade.render.build import (
    BuildResult, LatexError, MissingTool, NoEngine, INSTALL_HINT, build_file, build_pdf, engine,
    pdf_text,
)

__all__ = [
    "BuildResult", "LatexError", "MissingTool", "NoEngine", "INSTALL_HINT", "build_file",
    "build_pdf", "engine", "pdf_text",
]
