"""Every default path tabml reads or writes, and the column names shared between its parts.

One home, so that stages, commands and tests agree. Paths are relative to the project root.
`dvc.yaml` names the pipeline paths too; a test keeps them in sync.
"""

from pathlib import Path

PARAMS = Path("params.yaml")
DVC_LOCK = Path("dvc.lock")

# Columns the pipeline adds: the stable row key (prepare) and the predictions.csv columns.
ROW_ID = "row_id"
LABEL = "label"
SCORE = "score"
PREDICTED = "predicted"
# The trivial baseline's score and label for the same rows (reports/baseline.json describes it).
BASELINE_SCORE = "baseline_score"
BASELINE_PREDICTED = "baseline_predicted"
# The `attrs` key (kept in the parquet files) of a split's class list, written by prepare.
CLASSES = "classes"

# The validate stage's stamp: written only when params, contract and raw data pass.
VALIDATED = Path("data/validated.json")

PREPARED_DIR = Path("data/prepared")
TRAIN = PREPARED_DIR / "train.parquet"
TEST = PREPARED_DIR / "test.parquet"

FEATURES_DIR = Path("data/features")
TRAIN_FEATURES = FEATURES_DIR / "train.parquet"

MODELS_DIR = Path("models")
FEATURIZER = MODELS_DIR / "featurizer.skops"
MODEL = MODELS_DIR / "model.skops"

REPORTS_DIR = Path("reports")
METRICS = REPORTS_DIR / "metrics.json"
SLICES = REPORTS_DIR / "slices.json"
PREDICTIONS = REPORTS_DIR / "predictions.csv"
BASELINE = REPORTS_DIR / "baseline.json"
PLOTS_DIR = REPORTS_DIR / "plots"
ROC = PLOTS_DIR / "roc.csv"
PRECISION_RECALL = PLOTS_DIR / "precision_recall.csv"
CALIBRATION = PLOTS_DIR / "calibration.csv"
IMPORTANCE = PLOTS_DIR / "importance.csv"
# Written for every task (dvc.yaml declares each); a file of another task holds only its header.
CONFUSION = PLOTS_DIR / "confusion.csv"
PREDICTED_ACTUAL = PLOTS_DIR / "predicted_actual.csv"
RESIDUALS = PLOTS_DIR / "residuals.csv"

# Git-ignored run files: the PR report (`tabml report`, read by `tabml gate`) and continuous
# training's (`tabml retrain build`, `report`, `publish` hand them on in this order).
PR_DIR = REPORTS_DIR / "pr"
PR_REPORT_MD, PR_REPORT_JSON, PR_MANIFEST = (
    PR_DIR / name for name in ("report.md", "report.json", "manifest.json")
)
RETRAIN_BUILD, RETRAIN_DECISION = (
    PR_DIR / name for name in ("retrain-build.json", "retrain-decision.json")
)

# Monitoring: where batches arrive (`tabml batches`, `tabml monitor`) and the drift report.
INCOMING = Path("data/incoming")
DRIFT_DIR = REPORTS_DIR / "drift"
DRIFT_JSON, DRIFT_MARKDOWN = DRIFT_DIR / "drift.json", DRIFT_DIR / "drift.md"

RELEASE_DIR = Path("dist/release")

SWEEP = Path("sweeps/default.yaml")
SWEEP_OUT = Path("sweep-out")
SWEEP_TABLE = Path("sweep-table.md")
