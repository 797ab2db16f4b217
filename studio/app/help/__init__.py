"""Help for learners: illustrated concept pages (Help → Concepts) and the keyboard shortcuts."""

from studio.app.help.concepts import CONCEPTS, INDEX
from studio.app.help.dialog import ConceptsDialog, show_concept
from studio.app.help.shortcuts import ShortcutsDialog, show_shortcuts

__all__ = ["CONCEPTS", "INDEX", "ConceptsDialog", "ShortcutsDialog", "show_concept",
           "show_shortcuts"]
