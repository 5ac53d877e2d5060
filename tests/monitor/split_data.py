"""The full default data cut into two random halves: a reference with a quickly trained model
(half A, through the real prepare, featurize and train stages, fitted on first use) and a current
batch (half B, raw).

A module of its own (not conftest) so that test modules can import `Halves` for type hints."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from tabml import io
from tabml.config import Params, load_params
from tabml.contract import Contract, load_contract
from tabml.monitor.current import from_batch
from tabml.monitor.drift import Json, Reference, detect_drift
from tabml.stages.evaluate import classification_metrics
from tabml.stages.featurize import feature_columns, featurize
from tabml.stages.prepare import prepare
from tabml.stages.train import train
from tests.support import FIXTURES, ROOT


class Halves:
    """Everything `detect_drift` needs, with half B of the raw data as the current batch.

    The model and the reference are fitted on half A on first use, so tests that only need the
    rows (the demo batches) never pay for training."""

    def __init__(
        self, params: Params, contract: Contract, half_a: pd.DataFrame, current: pd.DataFrame
    ) -> None:
        self.params, self.contract, self.current = params, contract, current
        self._half_a = half_a

    @cached_property
    def _fitted(self) -> tuple[Reference, Any]:
        params, contract = self.params, self.contract
        train_a, test_a = prepare(self._half_a, contract, params.data, params.split, "half A")
        fast = params.train.hist_gradient_boosting.model_copy(update={"max_iter": 30})
        featurizer, features = featurize(train_a, params.data, params.featurize)
        model = train(
            features,
            params.data.target,
            featurizer,
            params.train.model_copy(update={"hist_gradient_boosting": fast}),
        )
        numeric, categorical = feature_columns(test_a, params.data)
        scores = model.predict_proba(test_a[numeric + categorical])[:, 1]
        labels = test_a[params.data.target].to_numpy().astype(int)
        reference = Reference(
            frame=train_a,
            scores=scores,
            metrics=classification_metrics(labels, scores, params.evaluate.threshold),
            source="half A train",
            scores_source="half A test",
            metrics_source="half A metrics",
        )
        return reference, model

    @property
    def reference(self) -> Reference:
        return self._fitted[0]

    @property
    def model(self) -> Any:
        return self._fitted[1]

    def detect(self, current: pd.DataFrame, reference: Reference | None = None) -> Json:
        """Drift of a raw-format frame against the reference, at the shipped thresholds."""
        return detect_drift(
            reference or self.reference,
            from_batch(current, "batch.csv", self.params.data.target),
            contract=self.contract,
            data=self.params.data,
            params=self.params.monitor,
            threshold=self.params.evaluate.threshold,
            model=self.model,
        )


def build_halves() -> Halves:
    """Read the bundled data/raw/adult.csv once and cut it in two random halves (half B: the
    current data). Its params and contract are the tests' own (tests/fixtures), never the
    repository's params.yaml, which is the user's once they adopt their own table."""
    params = load_params(FIXTURES / "adult_sample.params.yaml")
    contract = load_contract(FIXTURES / "adult_sample.contract.yaml")
    raw = io.read_csv(ROOT / "data/raw/adult.csv", params.data.na_values, contract.read_dtypes())
    order = np.random.default_rng(7).permutation(len(raw))
    half_a = raw.iloc[np.sort(order[: len(raw) // 2])]
    half_b = raw.iloc[np.sort(order[len(raw) // 2 :])].reset_index(drop=True)
    return Halves(params, contract, half_a, half_b)
