import csv

from fundguard import refdata


def test_every_manifest_file_is_shipped_with_its_row_count():
    manifest = refdata.read_rows("MANIFEST.csv")
    assert len(manifest) >= 50
    for entry in manifest:
        with refdata.path(entry["file"]).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len(rows) - 1 == int(entry["rows"]), entry["file"]
        assert len(rows[0]) == int(entry["columns"]), entry["file"]


def test_field_codes_cover_the_contract_fields():
    codes = refdata.field_codes()
    assert {"1", "2"} <= codes["gend"]
    assert {"11", "21"} <= codes["med_type"]
    assert "440300" in refdata.admin_division_codes()
