"""The atmp-kg OWL ontology, its SHACL shapes and violation checks."""
