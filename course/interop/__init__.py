"""Interoperability: Moodle GIFT and Moodle XML in and out, Anki decks.

Importers read a foreign file into :mod:`course.interop.source` questions, which
:mod:`course.interop.convert` turns into quiz definitions of our format with a report
per question. Exporters write our validated quizzes back out. Nothing here touches the
database or the web framework; services feed it plain data.
"""
