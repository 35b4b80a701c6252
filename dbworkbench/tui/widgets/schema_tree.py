"""SchemaTree: schemas → groups → objects → columns, indexes, constraints, triggers, loaded level by level."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from dbworkbench.core.catalog_browser import CatalogNode


class SchemaTree(Tree[CatalogNode]):
    """The schema browser; the owning screen loads children in a worker when asked."""

    class LoadRequested(Message):
        """A node was expanded for the first time: load its children."""

        def __init__(self, node: TreeNode[CatalogNode]) -> None:
            super().__init__()
            self.node = node

    class ObjectChosen(Message):
        """An object was selected: show its definition."""

        def __init__(self, node: CatalogNode) -> None:
            super().__init__()
            self.node = node

    def __init__(self, **kwargs: object) -> None:
        super().__init__("database", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self._loaded: set[int] = set()

    def reload(self) -> None:
        """Forget everything loaded (after a migration) and ask for the schemas again."""
        self._loaded.clear()
        self.root.remove_children()
        self.post_message(self.LoadRequested(self.root))

    def add_loaded(self, parent: TreeNode[CatalogNode], children: list[CatalogNode]) -> None:
        """Put loaded children under their node."""
        self._loaded.add(parent.id)
        parent.remove_children()
        for child in children:
            if child.expandable:
                parent.add(child.label, data=child)
            else:
                parent.add_leaf(child.label, data=child)
        if parent is self.root:
            parent.expand()

    def find(self, parent: CatalogNode | None) -> TreeNode[CatalogNode] | None:
        """The tree node holding `parent` (the root for None)."""
        if parent is None:
            return self.root
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.data == parent:
                return node
            stack.extend(node.children)
        return None

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[CatalogNode]) -> None:
        event.stop()
        if event.node.id not in self._loaded and event.node.data is not None:
            self._loaded.add(event.node.id)
            event.node.add_leaf("loading…")
            self.post_message(self.LoadRequested(event.node))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[CatalogNode]) -> None:
        event.stop()
        data = event.node.data
        if data is not None and data.kind not in ("schema", "group"):
            self.post_message(self.ObjectChosen(data))
