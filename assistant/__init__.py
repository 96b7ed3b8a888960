"""The agreement assistant: answers Swedish questions from samverkansöverenskommelser."""

__version__ = "0.1.0"
