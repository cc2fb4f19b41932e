"""Butler Portal as GitOps: the reconciler and its command line (`portal`)."""

__version__ = "0.1.0"
API_VERSION = "portal.butlerlabs.dev/v1alpha1"
