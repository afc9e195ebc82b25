"""Limits that keep one upload from exhausting the server.

They are deliberately generous for real push lists (a few thousand rows, 10–30 columns) and are
checked before the expensive step they protect, so a hostile file costs milliseconds.
"""

from __future__ import annotations

MiB = 2**20

MAX_BYTES = 20 * MiB
MAX_ROWS = 200_000

# python-calamine builds a dense grid of (rows × columns) cells of about 32 bytes each *before* Python
# sees anything, and aborts the whole process (it does not raise) when the allocation fails. A 5 KB
# xlsx with one cell in A1 and one in XFD1048576 asks for 512 GiB, so the extent of every sheet is
# checked from the XML first.
MAX_COLUMNS = 1_000
MAX_CELLS = 8_000_000  # about 256 MiB inside calamine; 200 000 rows × 40 columns

# Zip-bomb guard for xlsx (checked on the archive directory, then verified while inflating).
ZIP_MAX_TOTAL_UNCOMPRESSED = 200 * MiB
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_RATIO = 100
ZIP_RATIO_APPLIES_ABOVE = 1 * MiB

# The master-data import (``exchange.importer``) takes a whole district's register in one file: 285,000
# persons are ~70 MB as csv and ~300 MB of sheet XML as xlsx (17 columns, 4.8 M cells). A city's
# register is loaded town by town.
REGISTER_MAX_BYTES = 128 * MiB
REGISTER_MAX_ROWS = 600_000
REGISTER_MAX_CELLS = 12_000_000
REGISTER_ZIP_MAX_TOTAL_UNCOMPRESSED = 640 * MiB

# Rows searched for the header row (non-blank rows; titles and notes above the header are common).
HEADER_SEARCH_ROWS = 10
MIN_HEADER_MATCHES = 2

# What a spreadsheet program can hold (Excel and WPS share these).
SHEET_MAX_ROWS = 1_048_576
SHEET_MAX_CELL_CHARS = 32_767
