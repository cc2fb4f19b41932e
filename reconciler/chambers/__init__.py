"""Chambers: Workspace and WorkspaceTemplate documents become Butler's CRs on the management cluster."""

from reconciler.chambers.resources import desired_objects, workspace_resource, workspace_template_resource

__all__ = ["desired_objects", "workspace_resource", "workspace_template_resource"]
