"""HTML pages and the charts on them: the report, compare and timeline pages."""
