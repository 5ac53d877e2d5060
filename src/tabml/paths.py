"""Where each stage reads and writes. `dvc.yaml` names the same paths; a test keeps them in sync."""

from pathlib import Path

PARAMS = Path("params.yaml")

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
PLOTS_DIR = REPORTS_DIR / "plots"
ROC = PLOTS_DIR / "roc.csv"
PRECISION_RECALL = PLOTS_DIR / "precision_recall.csv"
CALIBRATION = PLOTS_DIR / "calibration.csv"
IMPORTANCE = PLOTS_DIR / "importance.csv"
