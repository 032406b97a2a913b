"""The course: lesson content (en, zh) and its small model."""
