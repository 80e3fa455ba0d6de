#!/usr/bin/env python3
"""Executes notebooks headless with `jupyter nbconvert --to notebook --execute`, one kernel per notebook.

For each notebook it writes <output>/<scale>/<stem>.ipynb (executed), <stem>.html and <stem>.log (everything
nbconvert and the kernel printed), and gives the kernel SOFTPROMPT_SCALE and SOFTPROMPT_RESULTS_DIR
(<output>/<scale>/results/<stem>/, emptied first) through its environment. Execution stops at the first failing
cell; the runner then names the notebook, the cell and its error.

A kernel that does not answer at start-up is retried (rapaio's start-up hangs now and then); a cell error,
a cell timeout or a kernel that dies while running a cell is never retried.

Run through ./environment/run-notebooks, which finds Jupyter and sets JUPYTER.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import compare_results

ROOT = Path(os.environ.get("SOFTPROMPT_ROOT", Path(__file__).resolve().parents[2]))
SCALES = ("smoke", "quick", "paper")
# nbclient/jupyter_client raise these when the kernel never answered kernel_info: the only failures retried.
STARTUP_FAILURES = (re.compile(r"RuntimeError: Kernel didn't respond in \d+ seconds"),
                    re.compile(r"RuntimeError: Kernel died before replying to kernel_info"))
CELL_ERROR = "An error occurred while executing the following cell:"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
KERNEL_LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:]+\] \[(INFO|DEBUG|TRACE) *\]")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="run-notebooks",
        description="Execute softprompt's notebooks headless (all of notebooks/*.ipynb, or the ones named).")
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="a notebook file, or the name of one in notebooks/ (with or without .ipynb)")
    parser.add_argument("--scale", type=str.lower, default=os.environ.get("SOFTPROMPT_SCALE") or "quick",
                        help="smoke, quick or paper: the experiment size given to the kernel as SOFTPROMPT_SCALE "
                             "(default: SOFTPROMPT_SCALE, else quick)")
    parser.add_argument("--regression", action="store_true",
                        help="compare every result table with notebooks/results/<scale>/<notebook>/")
    parser.add_argument("--update-references", action="store_true",
                        help="copy the produced result tables into notebooks/results/<scale>/<notebook>/")
    parser.add_argument("--fail-fast", action="store_true", help="stop after the first failing notebook")
    parser.add_argument("--cell-timeout", type=int, default=None, metavar="SECONDS",
                        help="limit for one cell (default: 1800 at smoke scale, none at quick and paper)")
    parser.add_argument("--startup-timeout", type=int, default=20, metavar="SECONDS",
                        help="how long the kernel may take to answer at start-up (default: 20)")
    parser.add_argument("--attempts", type=int, default=4,
                        help="tries when the kernel does not answer at start-up (default: 4)")
    parser.add_argument("--output", type=Path, default=ROOT / "target" / "notebooks",
                        help="output folder; files land in <output>/<scale>/ (default: target/notebooks)")
    parser.add_argument("--references", type=Path, default=ROOT / "notebooks" / "results",
                        help="reference folder holding <scale>/<notebook>/<table>.csv and tolerances.properties "
                             "(default: notebooks/results)")
    args = parser.parse_args(argv)
    args.scale = args.scale.strip().lower()
    if args.scale not in SCALES:
        parser.error(f"the scale is '{args.scale}'; expected one of {', '.join(SCALES)}")
    if args.cell_timeout is None:
        args.cell_timeout = 1800 if args.scale == "smoke" else -1
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")
    return args


def find_notebooks(names):
    folder = ROOT / "notebooks"
    if not names:
        return sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    found = []
    for name in names:
        candidates = [Path(name), folder / name, folder / f"{name}.ipynb"]
        match = next((c for c in candidates if c.is_file() and c.suffix == ".ipynb"), None)
        if match is None:
            raise SystemExit(f"run-notebooks: no notebook '{name}' (looked for {', '.join(map(str, candidates))})")
        found.append(match.resolve())
    return found


class Outcome:
    def __init__(self, notebook, passed, seconds, message="", attempts=1):
        self.notebook, self.passed, self.seconds, self.message, self.attempts = \
            notebook, passed, seconds, message, attempts


def jupyter():
    command = os.environ.get("JUPYTER")
    if not command:
        raise SystemExit("run-notebooks: JUPYTER is not set; run this through ./environment/run-notebooks")
    return command


def execute(notebook, args, out_dir, results_dir, log_path):
    """Runs nbconvert until the kernel starts (at most args.attempts times). Returns (exit code, attempts)."""
    env = dict(os.environ, SOFTPROMPT_SCALE=args.scale, SOFTPROMPT_RESULTS_DIR=str(results_dir))
    command = [jupyter(), "nbconvert", "--to", "notebook", "--execute",
               f"--ExecutePreprocessor.startup_timeout={args.startup_timeout}",
               f"--ExecutePreprocessor.timeout={args.cell_timeout}",
               "--output-dir", str(out_dir), "--output", notebook.stem, str(notebook)]
    with open(log_path, "w", encoding="utf-8") as log:
        for attempt in range(1, args.attempts + 1):
            if results_dir.exists():
                shutil.rmtree(results_dir)
            results_dir.mkdir(parents=True)
            log.write(f"=== attempt {attempt}: {' '.join(command)}\n")
            log.flush()
            offset = log.tell()
            code = subprocess.call(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
            log.flush()
            if code == 0 or not is_startup_failure(read_from(log_path, offset)):
                return code, attempt
            if attempt < args.attempts:
                print(f"  the kernel did not answer within {args.startup_timeout} s at start-up "
                      f"(attempt {attempt} of {args.attempts}); starting it again", flush=True)
    return code, args.attempts


def read_from(path, offset):
    with open(path, encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        return handle.read()


def is_startup_failure(output):
    return CELL_ERROR not in output and any(p.search(output) for p in STARTUP_FAILURES)


def describe_failure(notebook, output, startup_timeout, attempts):
    """The part of nbconvert's output a reader needs: which cell failed and its error, or why nothing ran."""
    output = ANSI.sub("", output)
    if CELL_ERROR in output:
        report = output[output.rindex(CELL_ERROR):]
        report = "\n".join(l for l in report.splitlines() if not KERNEL_LOG_LINE.match(l)).strip()
        return f"{failing_cell(notebook, report)} failed:\n{indent(report)}"
    if is_startup_failure(output):
        return (f"the kernel did not answer within {startup_timeout} s at start-up, {attempts} times; "
                "check `jupyter kernelspec list` and the log")
    lines = [l for l in output.splitlines() if not KERNEL_LOG_LINE.match(l) and l.strip()]
    tail = lines[-25:]
    if "Traceback (most recent call last):" in output:
        start = max(i for i, l in enumerate(lines) if l.startswith("Traceback (most recent call last):"))
        tail = lines[start:][-25:]
    return "nbconvert failed:\n" + indent("\n".join(tail))


def failing_cell(notebook, report):
    """"cell N" for the cell whose source nbconvert quoted between its ------------------ lines."""
    parts = report.split("------------------")
    if len(parts) >= 3:
        source = parts[1].strip()
        try:
            cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            cells = []
        for number, cell in enumerate(cells, start=1):
            text = cell.get("source", "")
            text = "".join(text) if isinstance(text, list) else text
            if cell.get("cell_type") == "code" and text.strip() == source:
                return f"cell {number}"
    return "a cell"


def indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def export_html(executed, out_dir, log_path):
    with open(log_path, "a", encoding="utf-8") as log:
        log.write("=== HTML export\n")
        log.flush()
        return subprocess.call([jupyter(), "nbconvert", "--to", "html", "--output-dir", str(out_dir), str(executed)],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def check_results(notebook, args, results_dir):
    """Regression check and reference update for one executed notebook; returns the problems that fail it."""
    reference_dir = args.references / args.scale / notebook.stem
    produced = sorted(results_dir.glob("*.csv"))
    problems = []
    if args.regression:
        tolerances = compare_results.Tolerances.load(args.references / "tolerances.properties")
        problems = compare_results.compare_notebook(notebook.stem, reference_dir, results_dir, tolerances)
        if not problems:
            print(f"  {len(produced)} result table(s) match their references" if produced
                  else "  no result tables, none expected", flush=True)
    if args.update_references:
        for problem in problems:
            print(f"  before update: {problem}")
        update_references(reference_dir, produced)
        return []
    return problems


def update_references(reference_dir, produced):
    stale = [p for p in reference_dir.glob("*.csv") if p.name not in {q.name for q in produced}]
    for path in stale:
        path.unlink()
        print(f"  removed the reference {path} (no longer produced)")
    if produced:
        reference_dir.mkdir(parents=True, exist_ok=True)
    for path in produced:
        target = reference_dir / path.name
        changed = not target.exists() or target.read_bytes() != path.read_bytes()
        partial = target.with_suffix(".csv.partial")
        shutil.copyfile(path, partial)
        os.replace(partial, target)
        if changed:
            print(f"  recorded {target}")
    if reference_dir.is_dir() and not any(reference_dir.iterdir()):
        reference_dir.rmdir()


def run_one(notebook, args):
    out_dir = args.output / args.scale
    out_dir.mkdir(parents=True, exist_ok=True)
    results_dir = out_dir / "results" / notebook.stem
    log_path = out_dir / f"{notebook.stem}.log"
    executed = out_dir / f"{notebook.stem}.ipynb"
    for stale in (executed, out_dir / f"{notebook.stem}.html"):
        stale.unlink(missing_ok=True)
    print(f"{notebook.name}: running at {args.scale} scale (log: {log_path})", flush=True)
    started = time.monotonic()
    code, attempts = execute(notebook, args, out_dir, results_dir, log_path)
    if code != 0:
        output = read_from(log_path, 0)
        return Outcome(notebook, False, time.monotonic() - started,
                       describe_failure(notebook, output, args.startup_timeout, attempts), attempts)
    if export_html(executed, out_dir, log_path) != 0:
        return Outcome(notebook, False, time.monotonic() - started,
                       f"the HTML export failed; see {log_path}", attempts)
    try:
        problems = check_results(notebook, args, results_dir)
    except (OSError, compare_results.ToleranceError) as error:
        problems = [str(error)]
    seconds = time.monotonic() - started
    if problems:
        return Outcome(notebook, False, seconds,
                       f"{len(problems)} result(s) differ from the references:\n" + indent("\n".join(problems)),
                       attempts)
    return Outcome(notebook, True, seconds, attempts=attempts)


def main(argv=None):
    args = parse_arguments(argv)
    args.output, args.references = args.output.resolve(), args.references.resolve()
    notebooks = find_notebooks(args.notebooks)
    if not notebooks:
        print(f"no notebooks in {ROOT / 'notebooks'} yet; nothing to run")
    outcomes = []
    for notebook in notebooks:
        outcome = run_one(notebook, args)
        outcomes.append(outcome)
        if outcome.passed:
            retried = f", the kernel answered on attempt {outcome.attempts}" if outcome.attempts > 1 else ""
            print(f"PASSED {notebook.name} ({outcome.seconds:.0f} s{retried})", flush=True)
        else:
            retried = f", {outcome.attempts} attempts" if outcome.attempts > 1 else ""
            print(f"FAILED {notebook.name} ({outcome.seconds:.0f} s{retried}): {outcome.message}", flush=True)
            if args.fail_fast:
                break
    passed = sum(o.passed for o in outcomes)
    failed = len(outcomes) - passed
    if outcomes:
        print(f"outputs: {args.output / args.scale}")
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
