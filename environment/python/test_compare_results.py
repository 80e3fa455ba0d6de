#!/usr/bin/env python3
"""Self-test of compare_results: each rule of the regression comparison, on tables written to a temporary folder."""

import io
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path

import compare_results
from compare_results import Tolerances, ToleranceError, compare_notebook, parse_number


def write(folder, name, text):
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class ComparisonTest(unittest.TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="compare-results-test-"))
        self.reference = self.folder / "reference"
        self.produced = self.folder / "produced"
        self.tolerances = Tolerances({"default.abs": 1e-6, "default.rel": 1e-4})

    def compare(self, reference_csv, produced_csv, tolerances=None):
        write(self.reference, "scores.csv", reference_csv)
        write(self.produced, "scores.csv", produced_csv)
        return compare_notebook("01-nb", self.reference, self.produced, tolerances or self.tolerances)

    def test_identical_tables_match(self):
        table = "method,task,accuracy\nprefix,sst2,0.91\nptuning,sst2,0.9\n"
        self.assertEqual([], self.compare(table, table))

    def test_number_within_tolerance_matches_and_beyond_it_is_named(self):
        reference = "method,accuracy\nprefix,0.5\n"
        self.assertEqual([], self.compare(reference, "method,accuracy\nprefix,0.50004\n"))  # 4e-5 <= 1e-6 + 5e-5
        problems = self.compare(reference, "method,accuracy\nprefix,0.5001\n")
        self.assertEqual(1, len(problems))
        for part in ("01-nb", "scores", "row [method=prefix]", "column 'accuracy'", "expected 0.5",
                     "got 0.5001", "5.1e-05", "abs 1e-06", "rel 0.0001"):
            self.assertIn(part, problems[0])

    def test_every_drifted_number_is_reported(self):
        problems = self.compare("m,a,b\nx,1,2\ny,3,4\n", "m,a,b\nx,1.1,2\ny,3,4.4\n")
        self.assertEqual(2, len(problems))
        self.assertIn("row [m=x], column 'a'", problems[0])
        self.assertIn("row [m=y], column 'b'", problems[1])

    def test_text_must_match_exactly(self):
        problems = self.compare("method,label\nprefix,positive\n", "method,label\nprefix,Positive\n")
        self.assertEqual(1, len(problems))
        self.assertIn("expected 'positive', got 'Positive'", problems[0])

    def test_key_is_the_shortest_unique_text_prefix(self):
        problems = self.compare("method,task,output\nprefix,e2e,a cafe\nprefix,dart,a pub\n",
                                "method,task,output\nprefix,e2e,a cafe\nprefix,dart,a bar\n")
        self.assertEqual(["01-nb / scores: row [method=prefix, task=dart], column 'output': "
                          "expected 'a pub', got 'a bar' (text must match exactly)"], problems)

    def test_number_replaced_by_text_fails(self):
        self.assertEqual(1, len(self.compare("m,a\nx,0.5\n", "m,a\nx,n/a\n")))

    def test_nan_matches_nan_only(self):
        self.assertEqual([], self.compare("m,a\nx,NaN\n", "m,a\nx,NaN\n"))
        self.assertEqual(1, len(self.compare("m,a\nx,NaN\n", "m,a\nx,0.0\n")))
        self.assertEqual([], self.compare("m,a\nx,Infinity\n", "m,a\nx,Infinity\n"))
        self.assertEqual(1, len(self.compare("m,a\nx,Infinity\n", "m,a\nx,-Infinity\n")))

    def test_missing_and_extra_columns_fail(self):
        problems = self.compare("m,a,b\nx,1,2\n", "m,a,c\nx,1,2\n")
        self.assertEqual(["01-nb / scores: column 'b' is missing",
                          "01-nb / scores: column 'c' is extra (not in the reference)"], problems)

    def test_missing_and_extra_rows_fail_by_key(self):
        problems = self.compare("m,a\nx,1\ny,2\n", "m,a\nx,1\nz,2\n")
        self.assertEqual(["01-nb / scores: row [m=y] is missing",
                          "01-nb / scores: row [m=z] is extra (not in the reference)"], problems)

    def test_rows_are_matched_by_key_whatever_their_order(self):
        self.assertEqual([], self.compare("m,t,a\nx,s,1\ny,s,2\n", "m,t,a\ny,s,2\nx,s,1\n"))

    def test_rows_without_unique_key_are_matched_by_position(self):
        problems = self.compare("length,a\n1,0.5\n2,0.6\n", "length,a\n1,0.5\n")
        self.assertIn("01-nb / scores: the reference has 2 rows, the produced table 1", problems)
        self.assertIn("01-nb / scores: row 2 is missing", problems)
        problems = self.compare("length,a\n1,0.5\n2,0.6\n", "length,a\n1,0.5\n2,0.7\n")
        self.assertEqual(1, len(problems))
        self.assertIn("row 2, column 'a'", problems[0])

    def test_table_without_reference_and_reference_not_produced_fail(self):
        write(self.reference, "old.csv", "m,a\nx,1\n")
        write(self.produced, "new.csv", "m,a\nx,1\n")
        problems = compare_notebook("01-nb", self.reference, self.produced, self.tolerances)
        self.assertEqual(2, len(problems))
        self.assertIn("old: the reference", problems[0])
        self.assertIn("was not produced", problems[0])
        self.assertIn("new: produced", problems[1])
        self.assertIn("has no reference", problems[1])

    def test_no_tables_on_either_side_match(self):
        self.assertEqual([], compare_notebook("01-nb", self.reference, self.produced, self.tolerances))

    def test_malformed_csv_is_reported_with_its_file(self):
        problems = self.compare("m,a\nx,1\n", "m,a\nx,1,2\n")
        self.assertEqual(1, len(problems))
        self.assertIn("scores.csv:2: 3 cells, but the header has 2 columns", problems[0])

    def test_quoted_cells_are_read_as_csv(self):
        table = 'm,a\n"prefix, long",0.5\n'
        self.assertEqual([], self.compare(table, table))


class ToleranceTest(unittest.TestCase):
    def load(self, text):
        folder = Path(tempfile.mkdtemp(prefix="tolerances-test-"))
        return Tolerances.load(write(folder, "tolerances.properties", text))

    def test_most_specific_key_wins_per_kind(self):
        tolerances = self.load("# comment\n! also a comment\ndefault.abs = 1e-6\ndefault.rel: 1e-4\n"
                               "01-nb.rel = 0.001\n01-nb/scores.abs=0.01\n01-nb/scores/acc.abs 0.5\n")
        self.assertEqual((0.5, 0.001), tolerances.lookup("01-nb", "scores", "acc"))
        self.assertEqual((0.01, 0.001), tolerances.lookup("01-nb", "scores", "loss"))
        self.assertEqual((1e-6, 0.001), tolerances.lookup("01-nb", "other", "acc"))
        self.assertEqual((1e-6, 1e-4), tolerances.lookup("02-nb", "scores", "acc"))

    def test_escapes_and_continued_lines(self):
        tolerances = self.load("default.abs = 1e-6\ndefault.rel = \\\n    1e-4\n01-nb/scores/exact\\ match.abs = 0.25\n")
        self.assertEqual((0.25, 1e-4), tolerances.lookup("01-nb", "scores", "exact match"))

    def test_override_changes_the_verdict(self):
        folder = Path(tempfile.mkdtemp(prefix="override-test-"))
        write(folder / "reference", "scores.csv", "m,acc,loss\nx,0.5,2.0\n")
        write(folder / "produced", "scores.csv", "m,acc,loss\nx,0.52,2.1\n")
        tolerances = self.load("default.abs = 1e-6\ndefault.rel = 1e-4\n01-nb/scores/acc.abs = 0.05\n")
        problems = compare_notebook("01-nb", folder / "reference", folder / "produced", tolerances)
        self.assertEqual(1, len(problems))
        self.assertIn("column 'loss'", problems[0])

    def test_bad_files_are_rejected_naming_the_line(self):
        with self.assertRaisesRegex(ToleranceError, r"tolerances.properties:2: default.rel = 'tiny' is not a number"):
            self.load("default.abs = 1e-6\ndefault.rel = tiny\n")
        with self.assertRaisesRegex(ToleranceError, r":3: key '01-nb.absolute'"):
            self.load("default.abs = 1e-6\ndefault.rel = 1e-4\n01-nb.absolute = 1\n")
        with self.assertRaisesRegex(ToleranceError, "must be zero or positive"):
            self.load("default.abs = -1\ndefault.rel = 1e-4\n")
        with self.assertRaisesRegex(ToleranceError, "default.rel is missing"):
            self.load("default.abs = 1e-6\n")

    def test_committed_tolerances_file_loads(self):
        committed = Path(__file__).resolve().parents[2] / "notebooks" / "results" / "tolerances.properties"
        tolerances = Tolerances.load(committed)
        absolute, relative = tolerances.lookup("any-notebook", "any-table", "any-column")
        self.assertGreater(absolute + relative, 0)


class NumberTest(unittest.TestCase):
    def test_numbers_and_text(self):
        self.assertEqual(0.5, parse_number("0.5"))
        self.assertEqual(-1e-3, parse_number("-1E-3"))
        self.assertEqual(12.0, parse_number("12"))
        self.assertEqual(float("inf"), parse_number("Infinity"))
        for text in ("", "prefix", "1_000", "0x10", "true", "1.2.3"):
            self.assertIsNone(parse_number(text), text)


class CommandLineTest(unittest.TestCase):
    def test_exit_status_and_report(self):
        folder = Path(tempfile.mkdtemp(prefix="cli-test-"))
        tolerances = write(folder, "t.properties", "default.abs = 0\ndefault.rel = 0\n")
        write(folder / "reference", "scores.csv", "m,a\nx,1\n")
        write(folder / "produced", "scores.csv", "m,a\nx,1\n")
        arguments = ["--tolerances", str(tolerances), "--notebook", "01-nb",
                     str(folder / "reference"), str(folder / "produced")]
        with redirect_stdout(io.StringIO()) as out:
            self.assertEqual(0, compare_results.main(arguments))
        self.assertIn("01-nb: results match", out.getvalue())
        write(folder / "produced", "scores.csv", "m,a\nx,2\n")
        with redirect_stdout(io.StringIO()) as out:
            self.assertEqual(1, compare_results.main(arguments))
        self.assertIn("01-nb: 1 difference(s)", out.getvalue())


if __name__ == "__main__":
    unittest.main()
