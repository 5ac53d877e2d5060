"""The data contract: compiled to pandera, failures explained in one sentence."""

from pathlib import Path

import pandas as pd
import pytest

from tabml import io
from tabml.contract import dump_contract, infer_contract, inferred_bounds, load_contract, validate
from tabml.errors import TabmlError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "adult_sample.csv"


@pytest.fixture(scope="module")
def contract():  # type: ignore[no-untyped-def]
    """The sample's own contract, not data/contract.yaml (the user's, for the user's table)."""
    return load_contract(FIXTURES / "adult_sample.contract.yaml")


@pytest.fixture
def sample(contract) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return io.read_csv(SAMPLE, ["?"], contract.read_dtypes())


def test_sample_matches_and_is_coerced(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    valid = validate(sample, contract, "sample.csv")
    assert str(valid["age"].dtype) == "Int64"
    assert valid["workclass"].isna().any()


def test_values_below_minimum(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample.loc[:2, "age"] = -1
    with pytest.raises(TabmlError) as error:
        validate(sample, contract, "data/raw/adult.csv")
    assert str(error.value) == "data/raw/adult.csv: column 'age' has 3 values below 0"


def test_values_above_maximum(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample.loc[0, "hours-per-week"] = 200
    with pytest.raises(TabmlError, match="column 'hours-per-week' has 1 value above 168$"):
        validate(sample, contract, "x.csv")


def test_unknown_category(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample.loc[5, "race"] = "Martian"
    with pytest.raises(
        TabmlError,
        match="column 'race' has 1 value outside its allowed categories \\(e.g. 'Martian'\\)",
    ):
        validate(sample, contract, "x.csv")


def test_mistyped_column(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample["age"] = sample["age"].astype(str)
    sample.loc[[1, 2], "age"] = "forty"
    with pytest.raises(
        TabmlError, match="column 'age' has 2 values that are not integers \\(e.g. 'forty'\\)$"
    ):
        validate(sample, contract, "x.csv")


def test_missing_values_where_not_allowed(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample.loc[3, "education"] = None
    with pytest.raises(TabmlError, match="column 'education' has 1 missing value but"):
        validate(sample, contract, "x.csv")


def test_missing_and_extra_columns(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TabmlError, match="column 'age' is missing"):
        validate(sample.drop(columns=["age"]), contract, "x.csv")
    with pytest.raises(TabmlError, match="column 'zip' is not in the contract"):
        validate(sample.assign(zip="x"), contract, "x.csv")


def test_several_problems_are_counted(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample.loc[0, "age"] = -5
    sample.loc[0, "race"] = "Martian"
    with pytest.raises(TabmlError, match=r"has 1 value below 0 \(and 1 more problem\)$"):
        validate(sample, contract, "x.csv")
    sample.loc[1, "hours-per-week"] = 500
    with pytest.raises(TabmlError, match=r"\(and 2 more problems\)$"):
        validate(sample, contract, "x.csv")


def test_one_bad_value_is_singular(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample["age"] = sample["age"].astype(str)
    sample.loc[4, "age"] = "forty"
    with pytest.raises(TabmlError) as error:
        validate(sample, contract, "x.csv")
    assert (
        str(error.value) == "x.csv: column 'age' has 1 value that is not an integer (e.g. 'forty')"
    )


def test_a_fractional_integer_is_shown_without_a_numpy_repr(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample["age"] = sample["age"].astype("float64")
    sample.loc[[0, 1], "age"] = 37.5
    with pytest.raises(TabmlError) as error:
        validate(sample, contract, "x.csv")
    assert str(error.value) == "x.csv: column 'age' has 2 values that are not integers (e.g. 37.5)"


def test_a_huge_cell_is_echoed_short(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    sample.loc[0, "race"] = "M" * 10_000_000
    with pytest.raises(TabmlError) as error:
        validate(sample, contract, "x.csv")
    message = str(error.value)
    assert len(message) < 200
    assert message.startswith("x.csv: column 'race' has 1 value outside its allowed categories")
    assert message.endswith("…')")


def test_a_huge_unknown_column_name_is_echoed_short(contract, sample: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TabmlError, match="^x.csv: column 'z{77}…' is not in the contract$"):
        validate(sample.assign(**{"z" * 100_000: 1}), contract, "x.csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns: {age: {type: integr}}", "key 'columns.age.type'"),
        ("columns: {age: {type: category, min: 0}}", "min/max apply to integer and number"),
        ("columns: {age: {type: integer, colour: red}}", "key 'columns.age.colour'"),
        ("rows: 3", "expected a 'columns' mapping"),
    ],
)
def test_bad_contract_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(text)
    with pytest.raises(TabmlError, match=message):
        load_contract(path)


def test_inferred_contract_round_trips_and_accepts_its_sample(tmp_path: Path) -> None:
    frame = io.read_csv(SAMPLE, ["?"])
    drafted = infer_contract(frame)
    path = tmp_path / "contract.yaml"
    path.write_text(dump_contract(drafted))
    reloaded = load_contract(path)
    assert reloaded == drafted
    assert reloaded.columns["age"].type == "integer"
    assert reloaded.columns["workclass"].nullable
    validate(io.read_csv(SAMPLE, ["?"], reloaded.read_dtypes()), reloaded, "sample.csv")


@pytest.mark.parametrize(
    ("values", "integer", "bounds"),
    [
        ([17, 90], True, (9, 98)),  # 10% of 73 = 7.3 on each side, rounded outward
        ([1990, 2020], True, (1987, 2023)),  # a year 3000 is refused
        ([0.04, 0.37], False, (0.0, 0.41)),  # never below 0 when no value is negative
        ([-3.2, 4.1], False, (-4.0, 4.9)),  # to the margin's leading digit
        ([5.0, 5.0], False, (4.5, 5.5)),  # a constant: 10% of the value itself
        ([0, 0], True, (0, 1)),
    ],
)
def test_inferred_ranges_are_the_observed_ones_with_a_margin(
    values: list[float], integer: bool, bounds: tuple[float, float]
) -> None:
    assert inferred_bounds(pd.Series(values), integer) == bounds


def test_an_inferred_contract_refuses_values_far_outside_its_sample() -> None:
    frame = pd.DataFrame({"age": [20, 40, 60], "year": [2001, 2010, 2020]})
    drafted = infer_contract(frame)
    with pytest.raises(TabmlError, match="column 'age' has 1 value above 64"):
        validate(frame.assign(age=[20, 40, 200]), drafted, "x.csv")
    with pytest.raises(TabmlError, match="column 'year' has 1 value above 2022"):
        validate(frame.assign(year=[2001, 2010, 3000]), drafted, "x.csv")


def test_a_categorical_column_stays_categorical_and_is_still_checked(
    contract, sample: pd.DataFrame
) -> None:  # type: ignore[no-untyped-def]
    """Parquet's dictionary columns arrive as categoricals: coercing them to text would build one
    string per row, so they stay categoricals, and their values are checked all the same."""
    sample["race"] = sample["race"].astype("category")
    valid = validate(sample.copy(), contract, "x.parquet")
    assert isinstance(valid["race"].dtype, pd.CategoricalDtype)
    assert str(valid["workclass"].dtype) == "str"  # text stays text
    sample["race"] = sample["race"].cat.add_categories(["Martian"])
    sample.loc[5, "race"] = "Martian"
    with pytest.raises(
        TabmlError, match="column 'race' has 1 value outside its allowed categories"
    ):
        validate(sample, contract, "x.parquet")
