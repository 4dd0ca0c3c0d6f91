"""BI reports (issue #14 item 7): report templates as data (templates.py), their periods (periods.py), the
content built from metric queries (build.py, recommendations.py) and its files (render_pdf.py, render_tables.py).

Nothing here writes: apps/analytics/services/reports.py runs a definition, stores the files with their
SHA-256 and e-mails them through the notification layer.
"""
