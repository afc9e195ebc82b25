"""Generic import/export of spreadsheets and CSV files (no models; every app's imports use it).

``read_table`` turns an upload into text rows or refuses it with a stable code and a plain message;
``columns`` maps headers to fields; ``writers`` produces xlsx/CSV exports that are safe to open.
"""

from .columns import FIELDS, MappedRow, apply_mapping, detect_mapping, resolve_mapping
from .errors import ExchangeError, ExportError, FileRefused, MappingError
from .tabular import Row, Skipped, Table, read_table
from .writers import write_csv, write_xlsx

__all__ = [
    "FIELDS",
    "ExchangeError",
    "ExportError",
    "FileRefused",
    "MappedRow",
    "MappingError",
    "Row",
    "Skipped",
    "Table",
    "apply_mapping",
    "detect_mapping",
    "read_table",
    "resolve_mapping",
    "write_csv",
    "write_xlsx",
]
