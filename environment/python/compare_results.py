#!/usr/bin/env python3
"""Compares the result tables a notebook produced (CSV) with the committed references, within stated tolerances.

A number passes when |got - expected| <= abs + rel * |expected| (the rule numpy.isclose uses); the tolerances come
from a Java-style .properties file:

    default.abs = 1e-6                      # for every number unless overridden
    default.rel = 1e-4
    02-p-tuning.rel = 1e-3                  # every table of one notebook
    02-p-tuning/superglue.abs = 0.01        # one table (the CSV file name without .csv)
    02-p-tuning/superglue/accuracy.abs = 0.02   # one column of one table

The most specific key wins, for abs and rel separately. Text cells must match exactly; NaN matches NaN. Missing or
extra columns, rows and tables are failures. Rows are matched by their key, the values of the fewest leading text
columns (e.g. method, task) that tell every row apart; a table without such columns is matched row by row.

Python 3 standard library only, so that Debian's python3 runs it without any package.
"""

import argparse
import csv
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(NaN|nan|Infinity|inf|Inf)")
_TOLERANCE_KINDS = ("abs", "rel")


def parse_number(text):
    """The cell's value as a float, or None when the cell is text. Java's NaN/Infinity spellings count as numbers."""
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        return None
    return float(stripped.replace("Infinity", "inf"))


class ToleranceError(ValueError):
    pass


def read_properties(path):
    """Reads a Java .properties file (comments, = : or blank separators, backslash escapes, continued lines)."""
    entries = {}
    logical, first_line = "", None
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not logical:
                line = line.lstrip()
                if not line or line[0] in "#!":
                    continue
                first_line = number
            else:
                line = line.lstrip()
            trailing = len(line) - len(line.rstrip("\\"))
            if trailing % 2 == 1:  # an odd number of backslashes continues the line
                logical += line[:-1]
                continue
            logical += line
            key, value = _split_property(logical)
            entries[key] = (value, first_line)
            logical = ""
    if logical:
        key, value = _split_property(logical)
        entries[key] = (value, first_line)
    return entries


def _split_property(line):
    key_chars, i = [], 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            key_chars.append(_unescape(line[i + 1], line, i))
            i += 6 if line[i + 1] == "u" else 2
            continue
        if char in "=: \t\f":
            break
        key_chars.append(char)
        i += 1
    rest = line[i:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return "".join(key_chars), _unescape_all(rest)


def _unescape(char, line, index):
    if char == "u":
        return chr(int(line[index + 2:index + 6], 16))
    return {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(char, char)


def _unescape_all(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_unescape(text[i + 1], text, i))
            i += 6 if text[i + 1] == "u" else 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class Tolerances:
    """Absolute and relative tolerances, resolved per notebook, table and column (most specific key wins)."""

    def __init__(self, values, source="tolerances"):
        self.values = values
        self.source = source
        for kind in _TOLERANCE_KINDS:
            if f"default.{kind}" not in values:
                raise ToleranceError(f"{source}: default.{kind} is missing; it is the tolerance for every number")

    @classmethod
    def load(cls, path):
        values = {}
        for key, (text, line) in read_properties(path).items():
            scope, dot, kind = key.rpartition(".")
            if not dot or kind not in _TOLERANCE_KINDS or not scope:
                raise ToleranceError(f"{path}:{line}: key '{key}' should be default.abs|rel or "
                                     "<notebook>[/<table>[/<column>]].abs|rel")
            try:
                value = float(text)
            except ValueError:
                raise ToleranceError(f"{path}:{line}: {key} = '{text}' is not a number") from None
            if not value >= 0:
                raise ToleranceError(f"{path}:{line}: {key} = {text} must be zero or positive")
            values[key] = value
        return cls(values, str(path))

    def lookup(self, notebook, table, column):
        """(abs, rel) for one column of one table of one notebook."""
        scopes = (f"{notebook}/{table}/{column}", f"{notebook}/{table}", notebook, "default")
        return tuple(next(self.values[f"{scope}.{kind}"] for scope in scopes if f"{scope}.{kind}" in self.values)
                     for kind in _TOLERANCE_KINDS)


@dataclass
class Table:
    path: Path
    header: list
    rows: list


def read_table(path):
    with open(path, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    if not records:
        raise ValueError(f"{path}: empty file; a result table has at least a header line")
    header, rows = records[0], records[1:]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"{path}: column names repeat in the header: {', '.join(duplicates)}")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}:{number}: {len(row)} cells, but the header has {len(header)} columns")
    return Table(Path(path), header, rows)


def _key_columns(reference):
    """The fewest leading text columns (e.g. method, task) whose values tell every reference row apart; [] if none.

    The shortest such prefix is taken so that a text result further right (a predicted label, a generated
    sentence) is compared as a value, not used to find its row."""
    text_columns = 0
    for index in range(len(reference.header)):
        if reference.rows and all(parse_number(row[index]) is None for row in reference.rows):
            text_columns += 1
        else:
            break
    for width in range(1, text_columns + 1):
        keys = [tuple(row[:width]) for row in reference.rows]
        if len(set(keys)) == len(keys):
            return reference.header[:width]
    return []


def _describe_key(columns, values):
    return "row [" + ", ".join(f"{c}={v}" for c, v in zip(columns, values)) + "]"


def _pair_rows(reference, produced):
    """Pairs reference rows with produced rows. Returns (pairs of (label, expected, got), problems)."""
    keys = _key_columns(reference)
    if keys and all(k in produced.header for k in keys):
        ref_index = [reference.header.index(k) for k in keys]
        got_index = [produced.header.index(k) for k in keys]
        ref_keys = [tuple(row[i] for i in ref_index) for row in reference.rows]
        got_keys = [tuple(row[i] for i in got_index) for row in produced.rows]
        if len(set(ref_keys)) == len(ref_keys) and len(set(got_keys)) == len(got_keys):
            got_by_key = dict(zip(got_keys, produced.rows))
            pairs, problems = [], []
            for key, row in zip(ref_keys, reference.rows):
                if key in got_by_key:
                    pairs.append((_describe_key(keys, key), row, got_by_key[key]))
                else:
                    problems.append(f"{_describe_key(keys, key)} is missing")
            reference_keys = set(ref_keys)
            problems += [f"{_describe_key(keys, key)} is extra (not in the reference)"
                         for key in got_keys if key not in reference_keys]
            return pairs, problems
    pairs = [(f"row {n}", expected, got)
             for n, (expected, got) in enumerate(zip(reference.rows, produced.rows), start=1)]
    problems = []
    if len(reference.rows) != len(produced.rows):
        problems.append(f"the reference has {len(reference.rows)} rows, the produced table {len(produced.rows)}")
        problems += [f"row {n} is missing" for n in range(len(produced.rows) + 1, len(reference.rows) + 1)]
        problems += [f"row {n} is extra (not in the reference)"
                     for n in range(len(reference.rows) + 1, len(produced.rows) + 1)]
    return pairs, problems


def _format(value):
    return repr(value) if isinstance(value, float) else value


def compare_table(notebook, reference_path, produced_path, tolerances):
    """Every difference between one reference table and the produced one, each as a sentence naming the place."""
    table = Path(reference_path).stem
    where = f"{notebook} / {table}"
    reference, produced = read_table(reference_path), read_table(produced_path)
    problems = [f"{where}: column '{c}' is missing" for c in reference.header if c not in produced.header]
    problems += [f"{where}: column '{c}' is extra (not in the reference)"
                 for c in produced.header if c not in reference.header]
    columns = [c for c in reference.header if c in produced.header]
    pairs, row_problems = _pair_rows(reference, produced)
    problems += [f"{where}: {p}" for p in row_problems]
    for label, expected_row, got_row in pairs:
        for column in columns:
            expected = expected_row[reference.header.index(column)]
            got = got_row[produced.header.index(column)]
            problem = _compare_cell(notebook, table, column, expected, got, tolerances)
            if problem:
                problems.append(f"{where}: {label}, column '{column}': {problem}")
    return problems


def _compare_cell(notebook, table, column, expected, got, tolerances):
    expected_number, got_number = parse_number(expected), parse_number(got)
    if expected_number is None or got_number is None:
        if expected == got:
            return None
        return f"expected '{expected}', got '{got}' (text must match exactly)"
    if math.isnan(expected_number) or math.isnan(got_number):
        return None if math.isnan(expected_number) and math.isnan(got_number) else \
            f"expected {expected}, got {got}"
    if math.isinf(expected_number) or math.isinf(got_number):
        return None if expected_number == got_number else f"expected {expected}, got {got}"
    absolute, relative = tolerances.lookup(notebook, table, column)
    allowed = absolute + relative * abs(expected_number)
    difference = abs(got_number - expected_number)
    if difference <= allowed:
        return None
    return (f"expected {expected}, got {got}, difference {difference:.6g} exceeds the tolerance {allowed:.6g} "
            f"(abs {absolute:g} + rel {relative:g} x |expected|)")


def _tables(folder):
    folder = Path(folder)
    return {p.stem: p for p in sorted(folder.glob("*.csv"))} if folder.is_dir() else {}


def compare_notebook(notebook, reference_dir, produced_dir, tolerances):
    """Compares every table of one notebook; returns the list of problems (empty when all tables match)."""
    references, produced = _tables(reference_dir), _tables(produced_dir)
    problems = []
    for table, path in references.items():
        if table not in produced:
            problems.append(f"{notebook} / {table}: the reference {path} was not produced by the notebook")
            continue
        try:
            problems += compare_table(notebook, path, produced[table], tolerances)
        except ValueError as error:
            problems.append(f"{notebook} / {table}: {error}")
    for table, path in produced.items():
        if table not in references:
            problems.append(f"{notebook} / {table}: produced {path} has no reference in {reference_dir} "
                            "(record it with --update-references)")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description="Compare a notebook's result tables with their references.")
    parser.add_argument("--tolerances", required=True, help="the tolerances .properties file")
    parser.add_argument("--notebook", required=True, help="the notebook's name (file stem), used for tolerances")
    parser.add_argument("reference_dir")
    parser.add_argument("produced_dir")
    args = parser.parse_args(argv)
    try:
        tolerances = Tolerances.load(args.tolerances)
    except (OSError, ToleranceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    problems = compare_notebook(args.notebook, args.reference_dir, args.produced_dir, tolerances)
    for problem in problems:
        print(problem)
    print(f"{args.notebook}: {len(problems)} difference(s)" if problems else f"{args.notebook}: results match")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
