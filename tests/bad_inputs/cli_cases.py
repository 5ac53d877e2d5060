"""The CLI cases: params, data, model files, releases and PR report artifacts, each an edit of the
good project, the command that must refuse it, and the one sentence it must say."""

from __future__ import annotations

from dataclasses import dataclass

from tests.bad_inputs.corpus import CONTRACT, CSV, MODEL, PARAMS
from tests.bad_inputs.edits import (
    HEAD,
    Edit,
    artifact,
    cell,
    each_row,
    loop_a_tree,
    param,
    release,
    schema,
    skops_file,
    text,
)

BIG = "x" * 10_000_000  # a 10 MB cell


@dataclass(frozen=True)
class Cli:
    """`tabml <args>` in a copy of the good project after `edit`: exit 1 and `message`."""

    id: str
    edit: Edit
    message: str  # a regex searched in the one-line message; it names the file first
    args: tuple[str, ...] = ("validate",)


EVALUATE, OTHER_PARAMS = ("evaluate",), ("validate", "--params", "p.yaml")
SERVE = ("serve", "--model", "release", "--port", "9")
VERIFY = ("verify-report", "--artifact-dir", "artifact", "--run-head-sha", HEAD, "--run-id", "1",
          "--repo", "acme/demo", "--run-conclusion")  # fmt: skip
P, DATA, M = r"^params\.yaml: ", r"^data/raw/customers\.csv: ", r"^models/model\.skops: "
COL = DATA + "column "
REPORT, MANIFEST = r"^artifact/report-data\.json: ", r"^artifact/manifest\.json: "
CASES = [
    Cli("unknown key", param("train.sed", 1), P + r"unknown key 'train\.sed'$"),
    Cli("wrong type", param("split.seed", "abc"), P + r"key 'split\.seed' .*integer.*'abc'"),
    Cli("threshold above 1", param("evaluate.threshold", 1.5), P + r"key 'evaluate\.threshold'"),
    Cli("bad metric name", param("report.metrics", ["roc_acu"]), P + r"report\.metrics .*'roc_acu"),
    Cli("test size 0", param("split.test_size", 0), P + r"key 'split\.test_size' .*greater than 0"),
    Cli("test size too small", param("split.test_size", 0.001), P + r"split\.test_size 0\.001 lea"),
    Cli("native categories, linear model", param("train.model", "logistic_regression"),
        P + r"featurize\.categorical 'native' needs train\.model 'hist_gradient_boosting'"),
    Cli("bad serve key", param("serve.prot", 80), P + r"unknown key 'serve\.prot'$"),
    Cli("bad monitor value", param("monitor.bins", 1), P + r"key 'monitor\.bins' .*\(got 1\)$"),
    Cli("retrain writes raw data", param("retrain.table", "data/raw/t.csv"), P + r"retrain\.table"),
    Cli("missing data.target", param("data.target"), P + r"missing key 'data\.target'$"),
    Cli("100 kB key", param("train." + "k" * 100_000, 1), P + r"unknown key 'train\.k+…'$"),
    Cli("target not in contract", param("data.target", "churn"), P + r"data\.target .*'churn'"),
    Cli("missing contract", param("data.contract", "no.yaml"), r"^no\.yaml: contract file not"),
    Cli("data is a directory", lambda root: (root / "data/t.csv").mkdir() or param(
        "data.path", "data/t.csv")(root), r"^data/t\.csv: Is a directory$"),
    Cli("YAML syntax error", text(PARAMS, "data: [\n"), P + r"not valid YAML at line 2$"),
    Cli("params as a list", text(PARAMS, "- data\n"), P + r"expected a mapping of sections"),
    Cli("empty params", text(PARAMS, ""), P + r"file is empty$"),
    Cli("missing params", lambda root: None, r"^p\.yaml: file not found$", OTHER_PARAMS),
    Cli("another params file", param("data.target", "churn", "p.yaml"), r"^p\.yaml: data\.",
        OTHER_PARAMS),
    Cli("value below min", cell(3, "age", "7"), COL + r"'age' has 1 value below 18$"),
    Cli("unknown category", cell(4, "plan", "gold"), COL + r"'plan' .*outside .*'gold'"),
    Cli("text for a number", cell(5, "balance", "lots"), COL + r"'balance' .*not a numb.*'lots'"),
    Cli("fraction for an integer", cell(5, "age", "40.5"), COL + r"'age' .*not an integer.*40\.5"),
    Cli("10 MB cell", cell(6, "plan", BIG), COL + r"'plan' .*outside .*\(e\.g\. 'x+…'\)$"),
    Cli("infinite number", cell(6, "balance", "inf"), COL + r"'balance' has 1 infinite value"),
    Cli("10 MB number", cell(6, "balance", "9" * 10_000_000), COL + r"'balance' has 1 infinite"),
    Cli("10 MB column name", cell(0, "plan", BIG), COL + r"'x+…' is not in the contract"),
    Cli("missing value", cell(7, "plan", ""), COL + r"'plan' has 1 missing value but the contr"),
    Cli("missing target column", each_row(list.pop),
        COL + r"'churned' is missing$"),
    Cli("extra column", each_row(lambda row: row.append("red" if row[0].isdigit() else "colour")),
        COL + r"'colour' is not in the contract$"),
    Cli("empty data", text(CSV, ""), DATA + r"file is empty$"),
    Cli("header only", text(CSV, lambda old: old.splitlines()[0]), DATA + r"file has a header bu"),
    Cli("not UTF-8", text(CSV, lambda old: old.replace("north", "nörd").encode("latin-1")),
        DATA + r"not a readable CSV table \('utf-8' codec can't decode byte 0xf6"),
    Cli("ragged row", text(CSV, lambda old: old + "1,2,3,4,5,6,7\n"),
        DATA + r"not a readable CSV table \(.*Expected 6 fields in line 242, saw 7\)$"),
    Cli("duplicate ids", cell(9, "customer_id", "3"), COL + r"'customer_id' \(data\.id_co.* 1 dup"),
    Cli("unseen target label", cell(2, "churned", "maybe"), COL + r"'churned' .*'maybe'"),
    Cli("positive label absent", param("data.positive_label", "Yes"),
        COL + r"'churned' never has the positive label 'Yes' \(data\.positive_label\)$"),
    Cli("contract typo", text(CONTRACT, lambda old: old.replace("max:", "maxx:")),
        r"^data/contract\.yaml: key 'columns\.age\.maxx'"),
    Cli("untrusted type", schema(lambda s: s.update(__module__="posix", __class__="system")),
        M + r"refusing to load untrusted type 'posix\.system'", EVALUATE),
    Cli("other skops protocol", schema(lambda s: s.update(protocol=1)),
        M + r"refusing to load skops file protocol 1", EVALUATE),
    Cli("not a zip", text(MODEL, "model\n"), M + r"not a skops model file", EVALUATE),
    Cli("truncated model", lambda r: (r / MODEL).write_bytes((r / MODEL).read_bytes()[:9000]),
        M + r"not a skops model file", EVALUATE),
    Cli("crafted tree", skops_file(loop_a_tree),
        M + r"refusing a damaged .* tree 0 has a split whose child is not a later node", EVALUATE),
    Cli("malformed SHA256SUMS", release(lambda right: right[:40]),
        r"^release/SHA256SUMS: line 1 is not '<sha256>  <file name>'$", SERVE),
    Cli("checksum mismatch", release(lambda right: "0" * 64 + right[64:]),
        r"^release/model\.skops: SHA-256 [0-9a-f]{16}\.\.\. does not match 0{16}", SERVE),
    Cli("no SHA256SUMS", release(lambda right: None), r"^release: .* no SHA256SUMS", SERVE),
    Cli("tampered data hash", artifact(data_sha256="0" * 64),
        REPORT + r"SHA-256 does not match the manifest$", (*VERIFY, "success")),
    Cli("unknown report key", artifact(lambda d: d.update(markdown="## forged")),
        REPORT + r"key 'markdown': Extra inputs are not permitted$", (*VERIFY, "success")),
    Cli("verdict in the manifest", artifact(gate_passed=True),
        MANIFEST + r"key 'gate_passed'", (*VERIFY, "success")),
    Cli("forged conclusion", artifact(), r"^--run-conclusion must be .* got 'skipped'$",
        (*VERIFY, "skipped")),
    Cli("oversized string", artifact(lambda d: d.update(base_source=BIG[:100_000])),
        REPORT + r"key 'base_source': String should have at most 200", (*VERIFY, "success")),
    Cli("wrong head SHA", artifact(head_sha="c" * 40),
        MANIFEST + r"head_sha c{12} is not the triggering run's head a{12}$", (*VERIFY, "success")),
    Cli("data outside the artifact", artifact(data_file="../params.json"),
        MANIFEST + r"key 'data_file'", (*VERIFY, "success")),
    Cli("NaN in report data", artifact(lambda d: d["deltas"][0].update(pr=float("nan"))),
        REPORT + r"key 'deltas\.0\.pr'", (*VERIFY, "success")),
]  # fmt: skip
CONTROL = Cli("the good project", lambda root: None, "", ("validate",))
