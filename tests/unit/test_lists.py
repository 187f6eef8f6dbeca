"""lbrec.letterboxd.lists: the CSV Letterboxd's list importer reads, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from lbrec.letterboxd.lists import list_csv


def test_the_list_csv_has_letterboxds_columns_and_neutralises_formulas() -> None:
    films = [
        ('=HYPERLINK("http://x")', 1999, 603),
        ("+1", None, None),
        ("-2", 2001, 1),
        ("@SUM(A1)", 1, 2),
        ("Heat, Again", 1995, 949),
    ]
    text = list_csv(films)
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Title", "Year", "tmdbID"]
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "Heat, Again"]
    assert rows[1][1:] == ["1999", "603"] and rows[2][1:] == ["", ""]
