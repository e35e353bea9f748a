"""Batch grading: answer files in; grades, feedback, a gradebook and LMS exports out."""
