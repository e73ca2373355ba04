"""Writing data files: the same bytes as the csv module, and every value read back as written."""

from __future__ import annotations

import csv
import io

import pytest

from kb.datafiles import read_table, sorted_rows, write_csv
from kb.models import DATA_MODELS, data_columns
from tests.conftest import DATA


def csv_module_text(model, values) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(data_columns(model))
    writer.writerows(values)
    return buffer.getvalue()


@pytest.mark.parametrize("model", DATA_MODELS, ids=lambda m: m.__tablename__)
def test_write_csv_writes_what_the_csv_module_writes(model):
    values = sorted_rows(model, read_table(DATA, model).records())
    written = io.StringIO()
    write_csv(written, model, values)
    assert written.getvalue() == csv_module_text(model, values)
    assert written.getvalue() == (DATA / model.__data_file__).read_text(encoding="utf-8")


def test_awkward_values_are_read_back_exactly(tmp_path):
    model = DATA_MODELS[0]
    columns = data_columns(model)
    awkward = ['comma, inside', 'a "quoted" word', "two\nlines", "carriage\rreturn", "windows\r\nline", "", " spaces ", "é ü ß"]
    values = [[awkward[(i + j) % len(awkward)] for j in range(len(columns))] for i in range(len(awkward))]
    path = tmp_path / model.__data_file__
    with open(path, "w", encoding="utf-8", newline="") as handle:
        write_csv(handle, model, values)
    assert [[row[c] for c in columns] for row in read_table(tmp_path, model).records()] == values
