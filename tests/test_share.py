"""cf.share: suppression checked by an independent linear program (a property test), k-anonymity, coding,
and bundles of the sample course validated with frictionless, verified, rebuilt and refused when they
would publish a secret."""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import tempfile
import zipfile

import nbformat
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow.parquet as pq
import pytest
from frictionless import Package, validate
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import canvasframe as cf
from canvasframe import share
from canvasframe.sandbox import Institution
from canvasframe.schemas import SCHEMAS

from . import truth

KEY = "a-pseudonymisation-key-of-32-chars!"


def _interval(published: pd.DataFrame, truth_values: np.ndarray, entry: tuple[int, int]) -> tuple[float, float]:
    """The smallest and largest value of hidden ``entry`` an outsider can infer, written out plainly here.

    Unknowns: every hidden interior cell and hidden total. What is known: each published number,
    that rows and columns add up to their totals, and that a hidden number is at least 1 (zeros
    are published). ``entry`` indexes the published table, totals included (last row / column).
    """
    rows, cols = truth_values.shape
    full = np.zeros((rows + 1, cols + 1))
    full[:rows, :cols] = truth_values
    full[:rows, cols] = truth_values.sum(axis=1)
    full[rows, :cols] = truth_values.sum(axis=0)
    full[rows, cols] = truth_values.sum()
    hidden = [(i, j) for i in range(rows + 1) for j in range(cols + 1) if pd.isna(published.iat[i, j])]
    at = {e: n for n, e in enumerate(hidden)}
    equalities, targets = [], []
    lines = [[(i, j) for j in range(cols)] + [(i, cols)] for i in range(rows + 1)]
    lines += [[(i, j) for i in range(rows)] + [(rows, j)] for j in range(cols + 1)]
    for line in lines:  # the parts minus the total are zero
        row, known = np.zeros(len(hidden)), 0.0
        for k, e in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if e in at:
                row[at[e]] += sign
            else:
                known += sign * float(published.iat[e])
        if row.any():
            equalities.append(row)
            targets.append(-known)
    c = np.zeros(len(hidden))
    c[at[entry]] = 1.0
    ends = []
    for sign in (1.0, -1.0):
        result = linprog(sign * c, A_eq=np.array(equalities), b_eq=np.array(targets), bounds=[(1, None)] * len(hidden))
        assert result.status in (0, 3)  # solved, or unbounded: nothing published limits the cell from above
        ends.append(sign * result.fun if result.status == 0 else np.inf)
    return ends[0], ends[1]


tables = st.integers(1, 5).flatmap(
    lambda r: st.integers(1, 4).flatmap(
        lambda c: st.lists(st.lists(st.integers(0, 40), min_size=c, max_size=c), min_size=r, max_size=r)
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables, min_cell=st.sampled_from([3, 5, 10]))
@example(cells=[[1, 1, 30], [1, 40, 50], [30, 60, 70]], min_cell=10)  # hidden cells are at least one: this pins
def test_no_suppressed_cell_is_recoverable_and_no_published_cell_is_small(cells, min_cell):
    values = np.array(cells)
    published = share.suppress(pd.DataFrame(values), min_cell=min_cell)
    shown = published.to_numpy(dtype=float, na_value=np.nan)
    # no published number (cell or total) describes between 1 and min_cell - 1 students
    small = (shown > 0) & (shown < min_cell)
    assert not small.any()
    # every number shown is the true one
    assert np.array_equal(shown[:-1, :-1][~np.isnan(shown[:-1, :-1])], values[~np.isnan(shown[:-1, :-1])])
    for i, j in zip(*np.where(np.isnan(shown)), strict=True):
        low, high = _interval(published, values, (int(i), int(j)))
        assert high - low >= 1 - 1e-6, f"cell {(i, j)} of {values.tolist()} is pinned to {low}"


def test_suppression_records_what_it_hid_and_keeps_zeros():
    table = pd.DataFrame({"on_time": [40, 3, 25, 0], "late": [12, 2, 11, 0]}, index=["A", "B", "C", "D"])
    published = share.suppress(table, min_cell=5)
    assert published.loc["D", "on_time"] == 0  # a zero describes nobody: published
    assert set(published.attrs["suppressed"]["primary"]) == {("B", "on_time"), ("B", "late")}
    hidden = {(r, c) for r in published.index for c in published.columns if pd.isna(published.loc[r, c])}
    assert hidden == set(published.attrs["suppressed"]["primary"]) | set(published.attrs["suppressed"]["complementary"])
    assert published.loc["total", "total"] == 93
    with pytest.raises(cf.ConfigError, match="min_cell"):
        share.suppress(table, min_cell=0)
    with pytest.raises(cf.ConfigError, match="whole numbers"):
        share.suppress(table / 2, min_cell=5)


def _fewest_hidden(values: np.ndarray, min_cell: int) -> set[tuple[int, int]]:
    """By brute force: the smallest set of interior cells which, hidden beside the small ones, leaves none of
    them pinned (of equal sizes, the one hiding the fewest students), checked with the independent program."""
    rows, cols = values.shape
    full = np.zeros((rows + 1, cols + 1))
    full[:rows, :cols] = values
    full[:rows, cols], full[rows, :cols], full[rows, cols] = values.sum(axis=1), values.sum(axis=0), values.sum()
    small = {(i, j) for i in range(rows + 1) for j in range(cols + 1) if 0 < full[i, j] < min_cell}
    others = [(i, j) for i in range(rows) for j in range(cols) if (i, j) not in small and values[i, j] > 0]
    for size in range(len(others) + 1):
        safe = []
        for extra in itertools.combinations(others, size):
            hidden = small | set(extra)
            published = pd.DataFrame([[np.nan if (i, j) in hidden else full[i, j] for j in range(cols + 1)]
                                      for i in range(rows + 1)])  # fmt: skip
            widths = [high - low for low, high in (_interval(published, values, e) for e in hidden)]
            if min(widths) >= 1 - 1e-6:
                safe.append(hidden)
        if safe:
            return min(safe, key=lambda h: sum(full[e] for e in h))
    raise AssertionError("no interior suppression protects this table")


@pytest.mark.parametrize(
    "cells",
    [
        [[3, 20], [15, 30]],  # a 2 x 2 table: all four cells
        [[3, 40, 12], [50, 60, 70], [11, 80, 90]],  # the cheapest rectangle through the small cell
        [[4, 30, 25, 60], [18, 7, 40, 33]],  # two small cells in different rows and columns
        [[2, 30, 40], [20, 3, 50], [60, 70, 80]],  # two small cells on a diagonal
        [[12, 11, 40], [11, 2, 50], [60, 70, 1]],  # small cells whose rectangles overlap
        [[1, 2, 30], [2, 40, 50], [30, 60, 70]],  # a rectangle that leaves its corner exactly two values
    ],
)
def test_suppression_hides_the_fewest_cells_it_can(cells):
    values = np.array(cells)
    published = share.suppress(pd.DataFrame(values, columns=[f"c{j}" for j in range(values.shape[1])]), min_cell=10)
    hidden = {(int(i), int(j)) for i, j in zip(*np.where(published.isna().to_numpy()), strict=True)}
    rows, cols = values.shape
    as_totals = {(rows if i == -1 else i, cols if j == -1 else j) for i, j in hidden}
    assert as_totals == _fewest_hidden(values, 10)
    assert all(str(t) == "Int64" for t in published.dtypes)


def test_suppression_checks_its_threshold_and_its_counts():
    table = pd.DataFrame({"n": [9, 10, 25], "m": [30, 12, 40], "label": ["a", "b", "c"]}, index=np.array([4, 5, 6]))
    published = share.suppress(table)  # 10 students by default: 9 is hidden, 10 is not
    assert published.attrs["min_cell"] == 10 and published.attrs["suppressed"]["primary"] == [(4, "n")]
    assert {type(r) for r, _ in published.attrs["suppressed"]["complementary"]} <= {int, str}  # plain labels
    assert share.suppress(table, min_cell=1).notna().all().all()  # a threshold of one hides nothing
    assert share.suppress(table, counts=["n"], min_cell=5).columns.tolist() == ["n", "total"]
    assert share.suppress(table.assign(n=table["n"].astype(float)), min_cell=5).dtypes["n"] == "Int64"
    for bad in (0, True, 2.5):
        with pytest.raises(cf.ConfigError) as refused:
            share.suppress(table, min_cell=bad)
        assert str(refused.value) == f"suppress: min_cell must be a whole number of at least 1, got {bad!r}."
    for broken, named in ((table.assign(n=[-1, 10, 25]), ["n"]), (table.assign(m=[30.0, None, 40.0]), ["n", "m"])):
        with pytest.raises(cf.ConfigError) as refused:
            share.suppress(broken, min_cell=5)
        assert str(refused.value) == (
            f"suppress: count columns must hold non-negative numbers without gaps; check {named}."
        )
    with pytest.raises(cf.ConfigError) as refused:
        share.suppress(table, counts=["n", "label"], min_cell=5)
    assert str(refused.value).endswith("check ['label'].")
    with pytest.raises(cf.ConfigError) as refused:
        share.suppress(table.assign(n=[9.5, 10, 25]), min_cell=5)
    assert str(refused.value) == "suppress: counts must be whole numbers (suppress counts, then compute shares)."


def test_k_anonymity_counts_students_not_rows():
    frame = pd.DataFrame({"student_id": [1, 1, 1, 2, 3, 3], "section_id": [7, 7, 7, 7, 8, 8]})
    result = share.k_anonymity(frame, ["section_id"])
    assert result.k == 1  # section 8 has one student, whatever their rows
    assert result.smallest["student_id"].unique().tolist() == [3]
    assert share.k_anonymity(frame.drop(columns="student_id"), ["section_id"]).k == 2  # rows, without students
    assert result.quasi_identifiers == ("section_id",)
    nobody = share.k_anonymity(frame.iloc[:0], ["section_id"])
    assert (nobody.k, nobody.quasi_identifiers, len(nobody.smallest)) == (0, ("section_id",), 0)
    # a missing value is a value of its own: the one student without a section is a group of one
    gaps = pd.DataFrame({"student_id": [1, 2, 3], "section_id": pd.array([7, 7, None], dtype="Int64")})
    alone = share.k_anonymity(gaps, ["section_id"])
    assert alone.k == 1 and alone.smallest["student_id"].tolist() == [3]
    with pytest.raises(cf.ConfigError) as refused:
        share.k_anonymity(frame, ["term"])
    assert (
        str(refused.value)
        == "k_anonymity: expected the frame from a loader or report(); this one lacks columns ['term']."
    )


def test_top_and_bottom_coding():
    scores = pd.Series([1.0, 50.0, 60.0, 70.0, 100.0])
    assert share.top_code(scores, at=90).tolist() == [1.0, 50.0, 60.0, 70.0, 90.0]
    assert share.bottom_code(scores, quantile=0.25).tolist() == [50.0, 50.0, 60.0, 70.0, 100.0]
    assert share.top_code(pd.Series([1, 30]), at=20).dtype == "int64"
    with pytest.raises(cf.ConfigError, match=r"^top_code: give the threshold"):
        share.top_code(scores)
    with pytest.raises(cf.ConfigError, match=r"^bottom_code: give the threshold"):
        share.bottom_code(scores, at=1, quantile=0.5)
    # the quantile's own ends are allowed, and a ceiling of 0 is a ceiling
    assert share.top_code(scores, quantile=1).tolist() == scores.tolist()
    assert share.bottom_code(scores, quantile=0).tolist() == scores.tolist()
    assert share.top_code(pd.Series([-2, 0, 3]), at=0).tolist() == [-2, 0, 0]
    assert share.bottom_code(pd.Series([-2, 0, 3]), at=0).tolist() == [0, 0, 3]
    for outside in (-0.1, 1.5):
        with pytest.raises(cf.ConfigError, match=f"quantile must be between 0 and 1, got {outside}"):
            share.top_code(scores, quantile=outside)
    # whole counts stay whole when the threshold is whole; a threshold between two counts is kept as it is
    halfway = share.top_code(pd.Series([1, 2, 3, 4]), quantile=0.5)
    assert halfway.tolist() == [1.0, 2.0, 2.5, 2.5] and halfway.dtype == "float64"
    assert share.bottom_code(pd.Series([1, 30]), at=20).dtype == "int64"
    nullable = share.top_code(pd.Series([1, 2, 3, 4, None], dtype="Int64"), quantile=0.5)
    pdt.assert_series_equal(nullable, pd.Series([1.0, 2.0, 2.5, 2.5, None], dtype="Float64"))
    pdt.assert_series_equal(share.top_code(pd.Series([1, 30, None], dtype="Int64"), at=20),
                            pd.Series([1, 20, None], dtype="Int64"))  # fmt: skip


@pytest.fixture(scope="module")
def sample_frames():
    canvas = cf.sample(quiet=True)
    course = canvas.sample_course_id
    names = ("enrollments", "submissions", "student_summaries", "submission_comments", "conversations")
    frames = {name: cf.LOADERS[name](course, canvas=canvas, progress=False) for name in names}
    return canvas, frames


def _tardiness(frames: dict) -> pd.DataFrame:
    sections = frames["enrollments"][["student_id", "section_id"]].drop_duplicates("student_id")
    flags = frames["submissions"].merge(sections, on="student_id")
    counts = flags.groupby("section_id")[["late", "missing"]].sum().astype("int64")
    return share.suppress(counts, min_cell=10)


def _check_manifest(manifest: dict, folder, frames: dict, table: pd.DataFrame) -> None:
    """The manifest against the frames given, the files on disk and the key (each computed here, plainly)."""
    from canvasframe.datasets import PSEUDONYMIZED_COLUMNS
    from canvasframe.endpoints import FRAMES

    written = [p for p in folder.rglob("*") if p.is_file() and p.name != "MANIFEST.json"]
    assert manifest["files"] == {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(written)
    }
    for name, frame in frames.items():
        entry = dict(manifest["frames"][name])
        assert len(entry.pop("arrow_sha256")) == 64
        assert entry == {
            "kind": "data",
            "rows": len(frame),
            "frame": name,
            "loader": f"load_{name}",
            "ids": {"course_id": sorted({int(c) for c in frame["course_id"]})},
            "source": FRAMES[name].display_path,
            "fetched_at": frame.attrs["canvasframe"]["fetched_at"],
        }
    assert {k: v for k, v in manifest["frames"]["tardiness"].items() if k != "arrow_sha256"} == {
        "kind": "table", "rows": len(table)}  # fmt: skip
    fingerprint = hmac.new(KEY.encode(), b"canvasframe key fingerprint", hashlib.sha256).hexdigest()[:16]
    assert manifest["pseudonymisation"] == {
        "scheme": "HMAC-SHA256 of the id with the key, first 63 bits (canvasframe.pseudonymize)",
        "key_fingerprint": fingerprint,
        "ids_replaced": list(PSEUDONYMIZED_COLUMNS),
    }
    suppressed = json.loads(json.dumps(table.attrs["suppressed"]))  # as JSON keeps it: pairs become lists
    assert manifest["disclosure"]["tables"] == {"tardiness": suppressed} and suppressed["primary"]
    assert {k: manifest["disclosure"][k] for k in ("min_cell", "quasi_identifiers", "allow_small_k")} == {
        "min_cell": 10, "quasi_identifiers": ["section_id"], "allow_small_k": False}  # fmt: skip
    assert manifest["made_with"]["canvasframe"] == cf.__version__
    assert pd.Timestamp(manifest["created"]).tzinfo is not None


def test_a_bundle_of_the_sample_validates_verifies_and_rebuilds(sample_frames, tmp_path, capsys):
    canvas, frames = sample_frames
    folder = share.bundle(
        frames, tmp_path / "bundle", key=KEY, canvas=canvas, tables={"tardiness": _tardiness(frames)}, zip=True
    )
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = Package(str(folder / "datapackage.json"))
    assert {r.name for r in package.resources} == {*frames, "tardiness", "students"}
    keys = package.get_resource("submissions").schema.foreign_keys
    assert keys[0]["reference"]["resource"] == "students"
    checks = share.verify(folder)
    assert checks["ok"].all() and checks["found"].tolist() == checks["expected"].tolist()
    # the package describes each CSV file as it is on disk, and names itself after the folder
    described = json.loads((folder / "datapackage.json").read_text())
    assert {k: described[k] for k in ("profile", "name", "title")} == {
        "profile": "tabular-data-package", "name": "bundle", "title": "bundle"}  # fmt: skip
    assert pd.Timestamp(described["created"]).tzinfo is not None
    for resource in described["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["path"] == f"data/{resource['name']}.csv"
        assert {k: resource[k] for k in ("profile", "format", "mediatype", "encoding", "bytes", "hash")} == {
            "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}  # fmt: skip
        header = data.decode().splitlines()[0].split(",")
        assert [f["name"] for f in resource["schema"]["fields"]] == header
    schemas = {r["name"]: r["schema"] for r in described["resources"]}
    assert schemas["submissions"]["primaryKey"] == ["course_id", "student_id", "assignment_id"]
    assert all(f["description"] for f in schemas["submissions"]["fields"])  # each column's meaning, from schemas.py
    assert schemas["students"]["primaryKey"] == ["student_id"] and "foreignKeys" not in schemas["students"]
    origins = {r["name"]: r["description"] for r in described["resources"]}
    assert origins["tardiness"] == "derived (an aggregate table, published after suppression)"
    assert origins["submissions"].endswith("loaded with `load_submissions`")
    assert sorted(p.name for p in folder.iterdir()) == [
        "CODEBOOK.md", "MANIFEST.json", "README.md", "codebook.html", "data", "datapackage.json"]  # fmt: skip
    codebook = (folder / "CODEBOOK.md").read_text()
    assert codebook.startswith("# Codebook: bundle\n") and codebook.endswith(" |\n")
    # a duration is described as its CSV column holds it, beside the Parquet file's dtype
    how_late = next(f.metadata[b"doc"].decode() for f in SCHEMAS["submissions"] if f.name == "seconds_late")
    assert (
        f"| seconds_late_seconds | number | timedelta64[us] | s | {how_late} (in seconds) |  |" in codebook.splitlines()
    )
    readme = (folder / "README.md").read_text().splitlines()
    assert "bundle" in readme[0]
    assert (
        "- `data/tardiness.csv` (and `.parquet`): derived (an aggregate table, published after suppression)" in readme
    )
    assert (
        "- `data/students.csv` (and `.parquet`): every pseudonymised student_id of the bundle (what student_id "
        "columns refer to)" in readme
    )
    parquet = pq.ParquetFile(folder / "data" / "submissions.parquet")
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
    assert parquet.metadata.num_rows == len(pd.read_csv(folder / "data" / "submissions.csv"))
    assert not [name for name in parquet.schema_arrow.names if name.startswith("__index")]
    # every data file holds pseudonyms only: no id of the sample's people, and no text
    people = set(frames["enrollments"]["student_id"])
    shared = pd.read_parquet(folder / "data" / "submissions.parquet")
    assert not set(shared["student_id"]) & people and len(shared) == len(frames["submissions"])
    assert "comment" not in pd.read_csv(folder / "data" / "submission_comments.csv").columns
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert manifest["canvas_host"] == canvas.host
    assert manifest["disclosure"]["k"]["enrollments"] >= 10
    _check_manifest(manifest, folder, frames, _tardiness(frames))
    with zipfile.ZipFile(folder.with_suffix(".zip")) as archive:
        assert f"{folder.name}/MANIFEST.json" in archive.namelist()
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    # a suppressed table is published with its groups as a text column named after its index
    published = pd.read_csv(folder / "data" / "tardiness.csv", dtype={"section_id": str})
    table = _tardiness(frames)
    assert published.columns.tolist() == ["section_id", *table.columns]
    assert published["section_id"].tolist() == [str(g) for g in table.index]
    # a fresh session on a fresh cache pulls the same frames: every loader's frame hashes the same
    fresh = cf.sample(quiet=True, cache_dir=tmp_path / "fresh-cache")
    cf.sample(quiet=True, cache_dir=tmp_path / "default-cache")  # now the default session, not the one given
    rebuilt = share.rebuild(folder, key=KEY, canvas=fresh)
    assert not any((tmp_path / "default-cache").rglob("*.arrow"))
    names = sorted([*frames, "tardiness"])
    recorded = [manifest["frames"][n]["arrow_sha256"] for n in names]
    pulled = [None if n == "tardiness" else manifest["frames"][n]["arrow_sha256"] for n in names]
    expected = pd.DataFrame(
        {
            "frame": names,
            "loader": [None if n == "tardiness" else f"load_{n}" for n in names],
            "expected": recorded,
            "rebuilt": pulled,  # a derived table: no pull makes it
            "same": pd.array([None if n == "tardiness" else True for n in names], dtype="boolean"),
        }
    )
    pdt.assert_frame_equal(rebuilt, expected)
    assert any((tmp_path / "fresh-cache").rglob("*.arrow"))  # pulled with the session given, into its cache
    assert capsys.readouterr().err == ""  # rebuilding shows no progress bar
    with pytest.raises(cf.ConfigError, match=r"^rebuild: this key is not the one the bundle was made with"):
        share.rebuild(folder, key=KEY + "x", canvas=fresh)
    # the manifest file itself, or the manifest as read, name the same bundle
    pdt.assert_frame_equal(share.rebuild(folder / "MANIFEST.json", key=KEY, canvas=fresh), expected)


def test_verify_names_a_file_changed_after_publishing(sample_frames, tmp_path):
    _, frames = sample_frames
    folder = share.bundle({"enrollments": frames["enrollments"]}, tmp_path / "b", key=KEY)
    csv = folder / "data" / "enrollments.csv"
    csv.write_text(csv.read_text().replace("active", "activ", 1))
    (folder / "README.md").unlink()
    (folder / "data" / "enrollments.parquet").unlink()
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    files = sorted(manifest["files"])
    found = [hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None for p in (folder / f for f in files)]
    frame = manifest["frames"]["enrollments"]["arrow_sha256"]
    expected = pd.DataFrame(
        {
            "item": [*files, "frame:enrollments"],
            "expected": [*(manifest["files"][f] for f in files), frame],
            "found": [*found, None],  # no Parquet file to read the frame back from
            "ok": [f == manifest["files"][name] for f, name in zip(found, files, strict=True)] + [False],
        }
    )
    pdt.assert_frame_equal(share.verify(folder), expected)
    changed = ["README.md", "data/enrollments.csv", "data/enrollments.parquet", "frame:enrollments"]
    assert expected.loc[~expected["ok"], "item"].tolist() == changed


def test_the_key_and_the_token_are_never_written(sample_frames, tmp_path):
    _, frames = sample_frames
    folder = share.bundle(frames, tmp_path / "b", key=KEY)
    for file in folder.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert KEY.encode() not in data and b"sandbox-token" not in data, file


def _notebook(tmp_path, output: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(x)")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    path = tmp_path / "analysis.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("headers: Authorization: Bearer abc", "Authorization header"),
        ("1234~" + "A" * 64, "Canvas access token"),
        ("mail ada.abara@example.edu", "e-mail address"),
        ("Ada Abara wrote this", "name from the roster"),
    ],
)
def test_a_planted_secret_in_a_notebook_output_is_refused_and_nothing_is_written(
    sample_frames, tmp_path, planted, kind
):
    _, frames = sample_frames
    target = tmp_path / "bundle"
    with pytest.raises(cf.DisclosureError) as refused:
        share.bundle({"enrollments": frames["enrollments"]}, target, key=KEY, notebook=_notebook(tmp_path, planted),
                     names=["Ada Abara"])  # fmt: skip
    assert any(kind in finding and "analysis/analysis.ipynb" in finding for finding in refused.value.findings)
    assert not target.exists() and not list(tmp_path.glob(".bundle*"))


def test_the_sessions_token_and_a_raw_student_id_are_refused(sample_frames, tmp_path):
    _, frames = sample_frames
    student = int(frames["enrollments"]["student_id"].iloc[0])
    from canvasframe._sample import sample_server

    for planted in (f"token was {sample_server().token}", f"student {student} did well"):
        with pytest.raises(cf.DisclosureError) as refused:
            share.bundle({"enrollments": frames["enrollments"]}, tmp_path / "b", key=KEY,
                         notebook=_notebook(tmp_path, planted))  # fmt: skip
        assert refused.value.findings
        assert sample_server().token not in " ".join(refused.value.findings) + str(refused.value)


def test_a_small_group_is_refused_unless_allowed_and_then_recorded(tmp_path):
    inst = Institution()
    course = truth.first_course(inst)
    frame = truth.enrollments(inst, course)
    frame.loc[frame.index[0], "section_id"] = 1  # one student alone in a section
    with pytest.raises(cf.DisclosureError, match="section_id") as refused:
        share.bundle({"enrollments": frame}, tmp_path / "b", key=KEY)
    assert "k = 1" in refused.value.findings[0]
    folder = share.bundle({"enrollments": frame}, tmp_path / "b", key=KEY, allow_small_k=True)
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert manifest["disclosure"]["allow_small_k"] is True and manifest["disclosure"]["k"]["enrollments"] == 1


def test_an_unsuppressed_table_and_an_existing_folder_are_refused(sample_frames, tmp_path):
    _, frames = sample_frames
    with pytest.raises(cf.DisclosureError, match="not suppressed"):
        share.bundle({}, tmp_path / "b", key=KEY, tables={"t": pd.DataFrame({"n": [3]})})
    (tmp_path / "taken").mkdir()
    with pytest.raises(cf.ConfigError, match="exists"):
        share.bundle({"enrollments": frames["enrollments"]}, tmp_path / "taken", key=KEY)


def test_a_table_without_a_named_index_is_published_with_a_group_column(tmp_path, monkeypatch):
    """The bundle is put together beside its folder (the final rename is atomic only on one file system):
    the system's temporary folder is never used, even when it does not exist."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-temporary-folder"))
    counts = share.suppress(pd.DataFrame({"late": [12, 20], "missing": [15, 11]}), min_cell=10)
    folder = share.bundle({}, tmp_path / "deeper" / "still" / "b", key=KEY, tables={"tardiness": counts})
    published = pd.read_csv(folder / "data" / "tardiness.csv", dtype={"group": str})
    assert published.columns.tolist() == ["group", "late", "missing", "total"]
    assert published["group"].tolist() == ["0", "1", "total"]


@pytest.mark.parametrize(
    ("manifest", "why"),
    [
        ('{"frames": {}}', "no file hashes"),
        ("[1, 2]", "no file hashes"),
        ("not json", "JSONDecodeError"),
        (None, "FileNotFoundError"),
    ],
)
def test_a_folder_whose_manifest_is_not_a_bundles_is_refused(tmp_path, manifest, why):
    if manifest is not None:
        (tmp_path / "MANIFEST.json").write_text(manifest)
    for check in (share.verify, lambda folder: share.rebuild(folder, key=KEY)):
        with pytest.raises(cf.FileFormatError) as refused:
            check(tmp_path)
        assert str(refused.value) == f"{tmp_path / 'MANIFEST.json'}: not a canvasframe bundle's manifest ({why})."


def test_a_manifest_without_frames_verifies_its_files_only(tmp_path):
    (tmp_path / "README.md").write_text("a bundle")
    digest = hashlib.sha256(b"a bundle").hexdigest()
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"files": {"README.md": digest}}))
    expected = pd.DataFrame({"item": ["README.md"], "expected": [digest], "found": [digest], "ok": [True]})
    pdt.assert_frame_equal(share.verify(tmp_path), expected)


def test_a_manifest_that_records_no_key_and_no_frames_rebuilds_to_an_empty_report(tmp_path):
    report = share.rebuild({"files": {}}, key=KEY)
    assert report.columns.tolist() == ["frame", "loader", "expected", "rebuilt", "same"] and report.empty
    # a loader's frame that recorded no ids cannot be pulled again: it is reported, not rebuilt
    unpulled = {"files": {}, "frames": {"e": {"frame": "enrollments", "ids": {}, "arrow_sha256": "ab"}}}
    expected = pd.DataFrame({"frame": ["e"], "loader": ["load_enrollments"], "expected": ["ab"], "rebuilt": [None],
                             "same": pd.array([None], dtype="boolean")})  # fmt: skip
    pdt.assert_frame_equal(share.rebuild(unpulled, key=KEY), expected)
    (tmp_path / "MANIFEST.json").write_text('{"files": {}}')
    assert share.verify(tmp_path).columns.tolist() == ["item", "expected", "found", "ok"]


def test_the_raw_ids_looked_for_are_every_persons_in_every_column_and_lists_are_written_as_json():
    from canvasframe.share.codebook import flat
    from canvasframe.share.package import _person_ids

    frames = [
        pd.DataFrame({"student_id": [1, 2], "participant_ids": pd.Series([np.array([3, 4]), None], dtype=object)}),
        pd.DataFrame({"author_id": ["5", "x"], "to_user": pd.array([6, None], dtype="Int64"), "course_id": [99, 98]}),
    ]
    assert _person_ids(frames) == {1, 2, 3, 4, 5, 6}  # never the course's id
    written = flat(frames[0])["participant_ids"]
    assert written.iloc[0] == "[3, 4]" and pd.isna(written.iloc[1])


def test_small_groups_are_named_with_every_quasi_identifier_and_k_at_the_threshold_is_enough(tmp_path):
    def students(sizes: list[int]) -> pd.DataFrame:
        rows = [(n, section) for section, size in enumerate(sizes) for n in range(size)]
        return pd.DataFrame({"student_id": [section * 100 + n for n, section in rows],
                             "section_id": [s for _, s in rows], "term": "fall"})  # fmt: skip

    folder = share.bundle({"ten": students([10, 12]), "none": students([])}, tmp_path / "ok", key=KEY,
                          quasi_identifiers=("section_id", "term"), title="Fall 2026: Study")  # fmt: skip
    assert json.loads((folder / "datapackage.json").read_text())["name"] == "fall-2026--study"
    with pytest.raises(cf.DisclosureError) as refused:
        share.bundle({"nine": students([9, 12])}, tmp_path / "no", key=KEY, quasi_identifiers=("section_id", "term"))
    assert refused.value.findings == ["nine: k = 9 over section_id, term (fewer than 10)"]
    assert str(refused.value).startswith(
        "bundle: a group of fewer than 10 students can be picked out by section_id, term."
    )


def test_findings_name_the_file_and_line_of_each_kind_and_short_names_are_not_looked_for():
    from canvasframe.share.scan import findings

    files = {
        "b.csv": b"count\n1042\n7\n",
        "a.md": "Intro\nwritten by Ann and Bo\nmail ann@example.edu\n\xe9t\xe9".encode("latin-1"),
    }
    assert findings(files, names=["Ann", "Bo"], person_ids=[1042]) == [
        "a.md:2: a person's name from the roster",  # "Bo" is too short to look for without flagging ordinary words
        "a.md:3: an e-mail address",
        "a.md:3: a person's name from the roster",  # names are looked for case-blind, as whole words
        "b.csv:2: a raw person id (a student's or user's id before pseudonymisation)",
    ]


def test_the_codebook_describes_every_column_from_the_schemas_and_the_data_as_written():
    """Expectations from schemas.py (the one home of each column's meaning) and from the frame itself."""
    from canvasframe.share.codebook import Resource, codebook_html, codebook_markdown, table_schema

    meaning = {f.name: f.metadata[b"doc"].decode() for f in SCHEMAS["submissions"]}
    at = pd.Timestamp("2026-09-01 10:00", tz="UTC")
    written = pd.DataFrame(
        {
            "course_id": [7, 7, 8],
            "student_id": [101, 102, 101],
            "assignment_id": [30, 30, 31],
            "submitted_at": [at, pd.NaT, at + pd.Timedelta(days=40)],
            "score": [9.5, np.nan, 7.0],
            "late": [False, True, False],
            "workflow_state": ["graded", "unsubmitted", "graded"],
            "seconds_late_seconds": [0.0, 3600.0, 0.0],
            "module_ids": ["[1, 2]", "[]", "[3]"],
        }
    )
    data = Resource("submissions", written, "submissions")
    derived = Resource("tardiness", pd.DataFrame({"group": ["a|b"], "late": [12]}), None, "table")
    key = Resource("students", pd.DataFrame({"student_id": [101, 102]}), None, "key")
    schema = table_schema(data)
    pseudonymised = "; pseudonymised (the keyed HMAC pseudonym of the id)"
    assert schema == {
        "fields": [
            {"name": "course_id", "description": meaning["course_id"], "type": "integer"},
            {"name": "student_id", "description": meaning["student_id"] + pseudonymised, "type": "integer"},
            {"name": "assignment_id", "description": meaning["assignment_id"], "type": "integer"},
            {"name": "submitted_at", "description": meaning["submitted_at"] + " (ISO 8601, UTC)", "type": "datetime"},
            {"name": "score", "description": meaning["score"], "type": "number"},
            {"name": "late", "description": meaning["late"], "type": "boolean"},
            {"name": "workflow_state", "description": meaning["workflow_state"], "type": "string",
             "constraints": {"enum": ["graded", "unsubmitted"]}},
            {"name": "seconds_late_seconds", "description": meaning["seconds_late"] + " (in seconds)", "type": "number",
             "unit": "s"},
            {"name": "module_ids", "description": "", "type": "array"},
        ],
        "missingValues": [""],
        "primaryKey": ["course_id", "student_id", "assignment_id"],
        "foreignKeys": [{"fields": ["student_id"], "reference": {"resource": "students", "fields": ["student_id"]}}],
    }  # fmt: skip
    assert table_schema(key) == {
        "fields": [{"name": "student_id", "description": "pseudonymised (the keyed HMAC pseudonym of the id)",
                    "type": "integer"}],
        "missingValues": [""],
        "primaryKey": ["student_id"],
    }  # fmt: skip
    assert "primaryKey" not in table_schema(Resource("s", pd.concat([written, written]), "submissions"))
    # a text column lists its values when it has at most twelve, and an id column never does
    values = [f"v{i:02}" for i in range(13)]
    labels = pd.DataFrame(
        {"twelve": values[:12] * 2, "thirteen": values + ["v00"] * 11, "section_id": ["s1", "s2"] * 12}
    )
    fields = {f["name"]: f for f in table_schema(Resource("labels", labels, None, "table"))["fields"]}
    assert fields["twelve"]["constraints"] == {"enum": values[:12]}
    assert "constraints" not in fields["thirteen"] and "constraints" not in fields["section_id"]
    settings = {"min_cell": 10, "quasi_identifiers": ["section_id", "term"]}
    markdown = codebook_markdown("Fall study", [data, derived, key], settings).splitlines()
    assert markdown[:8] == [
        "# Codebook: Fall study",
        "",
        "- **Time window**: 2026-09-01 to 2026-10-11 (UTC)",
        "- **Courses**: 7, 8",
        "- **Students**: 2 (pseudonymised)",
        "- **Smallest published cell**: 10",
        "- **Quasi-identifiers**: section_id, term",
        "",
    ]
    assert markdown[8:14] == [
        "## `submissions`",
        "",
        "3 rows. Source: Canvas `/api/v1/courses/:course_id/students/submissions`, loaded with `load_submissions`.",
        "",
        "| column | type | dtype | unit | meaning | values |",
        "|---|---|---|---|---|---|",
    ]
    assert markdown[14] == f"| course_id | integer | int64 |  | {meaning['course_id']} |  |"
    assert markdown[20] == f"| workflow_state | string | str |  | {meaning['workflow_state']} | graded, unsubmitted |"
    assert (
        markdown[21] == f"| seconds_late_seconds | number | float64 | s | {meaning['seconds_late']} (in seconds) |  |"
    )
    assert "1 rows. Source: derived (an aggregate table, published after suppression)." in markdown
    assert "| group | string | str |  |  | a\\|b |" in markdown  # a | in a value does not break the table
    assert (
        "2 rows. Source: every pseudonymised student_id of the bundle (what student_id columns refer to)." in markdown
    )
    empty = codebook_markdown("Tables only", [derived, key], {"min_cell": 10, "quasi_identifiers": []}).splitlines()
    assert empty[2:7] == ["- **Time window**: no times", "- **Courses**: none", "- **Students**: 0 (pseudonymised)",
                          "- **Smallest published cell**: 10", "- **Quasi-identifiers**: none"]  # fmt: skip
    page = codebook_html("Fall <study>", [data, derived], {"min_cell": 5, "quasi_identifiers": []})
    assert page.startswith(
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Codebook: Fall &lt;study&gt;</title>"
    )
    assert "<li><b>Quasi-identifiers</b>: none</li>" in page and "<li><b>Smallest published cell</b>: 5</li>" in page
    assert (
        f"<tr><td>late</td><td>boolean</td><td>bool</td><td></td><td>{html.escape(meaning['late'])}</td><td></td></tr>"
        in page
    )
    derived_origin = "derived (an aggregate table, published after suppression)"
    assert f"<h2><code>tardiness</code></h2><p>1 rows. Source: {derived_origin}.</p>" in page
    assert page.endswith("</table></html>\n")
