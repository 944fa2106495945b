"""models/classifiers."""
