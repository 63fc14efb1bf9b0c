"""course: a course and quiz engine.

Importing this package never imports Flask; the web adapter lives in ``course.web``.
"""

__version__ = "0.1.0"
