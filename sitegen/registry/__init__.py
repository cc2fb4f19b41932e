"""The registry's static protocol files (Terraform, Helm) and install snippets, from Keeper's derived state."""
