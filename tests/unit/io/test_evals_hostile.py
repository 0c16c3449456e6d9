"""Eval-log readers on hostile files: each gives a precise ReadError naming the file and,
where it applies, the line, member and field; none crashes or writes to disk."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from crucible_io.evals import NoItemsError, read_eval_log, read_eval_logs
from crucible_io.limits import (
    DuplicateIdError,
    MalformedError,
    NotTextError,
    ReadError,
    TooLargeError,
    UnknownFormatError,
    UnsafeArchiveError,
)
from crucible_io.limits import zipfile as zstd_zipfile
from tests.unit.io.conftest import zip_bytes

ZIP_ZSTANDARD = zstd_zipfile.ZIP_ZSTANDARD
FIX = Path(__file__).resolve().parents[2] / "fixtures" / "evals"
MC = FIX / "samples_tinymc_2026-03-01T10-00-00.000001.jsonl"
DEEP = "[" * 10_000 + "]" * 10_000


def test_zip_bomb_member_refused() -> None:
    header = (FIX / "tiny_two_epochs.eval").read_bytes()
    with zipfile.ZipFile(io.BytesIO(header)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["samples/s0_epoch_1.json"] = b'{"id": 1, "pad": "' + b"0" * 40_000_000 + b'"}'
    with pytest.raises(UnsafeArchiveError, match="zip bomb") as info:
        read_eval_log(zip_bytes(members))
    assert info.value.member == "samples/s0_epoch_1.json"


def _zstd_zip(members: dict[str, bytes]) -> bytes:
    return zip_bytes(members, ZIP_ZSTANDARD)


def test_zstandard_bomb_member_refused_like_deflate() -> None:
    with zipfile.ZipFile(FIX / "tiny_two_epochs.eval") as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["samples/s0_epoch_1.json"] = b'{"id": 1, "pad": "' + b"0" * 40_000_000 + b'"}'
    data = _zstd_zip(members)
    assert len(data) < 100_000  # 40 MB of zeros in a few kB
    with pytest.raises(UnsafeArchiveError, match="zip bomb") as info:
        read_eval_log(data)
    assert info.value.member == "samples/s0_epoch_1.json"


def test_corrupt_zstandard_member_names_it() -> None:
    with zipfile.ZipFile(FIX / "tiny_two_epochs.eval") as z:
        members = {n: z.read(n) for n in z.namelist()}
    data = bytearray(_zstd_zip(members))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("header.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 8:start + 24] = b"\xff" * 16  # inside the compressed frame
    with pytest.raises(UnsafeArchiveError, match="cannot unpack") as caught:
        read_eval_log(bytes(data))
    assert caught.value.member == "header.json"


def test_zip_declaring_huge_total_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.json", b"{}")
    data = bytearray(buffer.getvalue())
    # patch the central directory's uncompressed size to 4 GB - 1
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (0xFFFFFFFE).to_bytes(4, "little")
    with pytest.raises(UnsafeArchiveError):
        read_eval_log(bytes(data))


def test_json_nested_ten_thousand_deep() -> None:
    with pytest.raises(MalformedError, match="nested too deeply"):
        read_eval_log(DEEP.encode(), fmt="inspect_json")
    with pytest.raises(MalformedError):
        read_eval_log(("{\"eval\": " + DEEP + "}").encode())


def test_deep_line_in_lm_eval_log_names_the_line() -> None:
    lines = MC.read_text().splitlines()
    lines.insert(1, '{"doc_id": 9, "acc": ' + DEEP + "}")
    with pytest.raises(MalformedError, match="line 2") as info:
        read_eval_log("\n".join(lines).encode())
    assert info.value.line == 2


def test_deep_sample_member_in_eval_zip() -> None:
    with zipfile.ZipFile(FIX / "tiny_two_epochs.eval") as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["samples/s0_epoch_1.json"] = DEEP.encode()
    with pytest.raises(MalformedError) as info:
        read_eval_log(zip_bytes(members))
    assert info.value.member == "samples/s0_epoch_1.json"


def test_non_utf8() -> None:
    lines = MC.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"q2", b"q\xff2")
    with pytest.raises(NotTextError, match="line 3"):
        read_eval_log(b"\n".join(lines))
    with pytest.raises(NotTextError):
        read_eval_log(b"item_id,score\nq\xe91,1\n", fmt="csv")


def test_over_the_size_limit() -> None:
    with pytest.raises(TooLargeError, match="limit"):
        read_eval_log(MC, max_bytes=1000)
    with pytest.raises(TooLargeError):
        read_eval_log(MC.read_bytes(), max_bytes=1000)
    with pytest.raises(TooLargeError):
        read_eval_logs([MC], max_bytes=1000)


def test_truncated_json() -> None:
    text = (FIX / "tiny_inspect_two_scorers.json").read_text()
    with pytest.raises(MalformedError, match="invalid JSON"):
        read_eval_log(text[: len(text) // 2].encode(), fmt="inspect_json")
    lines = MC.read_text().splitlines()
    lines[3] = lines[3][:40]
    with pytest.raises(MalformedError, match="line 4"):
        read_eval_log("\n".join(lines).encode())


def test_duplicate_ids_across_formats() -> None:
    record = (FIX / "tiny_match_record.jsonl").read_text().splitlines()
    match_lines = [x for x in record if '"type": "match"' in x]
    with pytest.raises(DuplicateIdError, match="appears twice"):
        read_eval_log("\n".join([*record, match_lines[0]]).encode())
    per = json.loads((FIX / "helm_tiny_run" / "tiny_helm_per_instance_stats.json").read_text())
    # the same entry twice holds no contradiction: merged, and said
    again = read_eval_log(json.dumps([*per, per[0]]).encode())
    assert again.n_items == read_eval_log(json.dumps(per).encode()).n_items
    assert any("1 more entry" in note for note in again.notes)
    # the same stat of one instance with two values is refused, naming both
    changed = json.loads(json.dumps(per[0]))
    exact = next(s for s in changed["stats"] if s["name"]["name"] == "exact_match")
    exact["mean"] = 1 - exact["mean"]
    with pytest.raises(DuplicateIdError, match=r"id100.*different values") as info:
        read_eval_log(json.dumps([*per, changed]).encode())
    assert info.value.field == f"[{len(per)}].stats"


def test_wrong_types() -> None:
    with pytest.raises(ReadError, match="'samples'"):
        read_eval_log(b'{"eval": {"task": "t", "model": "m"}, "samples": {"a": 1}}')
    with pytest.raises(ReadError, match="expected an object"):
        read_eval_log(b'{"doc_id": 1, "acc": 1}\n[1, 2]\n')


def test_garbage_and_empty() -> None:
    with pytest.raises(UnknownFormatError):
        read_eval_log(b'{"hello": "world"}')
    with pytest.raises(ReadError, match="empty"):
        read_eval_log(b"   \n")
    with pytest.raises(UnsafeArchiveError):
        read_eval_log(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnknownFormatError):
        read_eval_log(zip_bytes({"readme.txt": b"hi"}))
    with pytest.raises(NoItemsError):
        read_eval_log(zip_bytes({"header.json": json.dumps({
            "status": "started", "eval": {"task": "t", "model": "m"}}).encode()}))


def test_one_line_logs_detected() -> None:
    with pytest.raises(NoItemsError, match="no 'match' events"):
        read_eval_log(b'{"spec": {"eval_name": "x", "completion_fns": ["m"]}}\n')
    line = (FIX / "samples_tinymc_2026-03-01T10-00-00.000001.jsonl").read_text().split("\n")[0]
    assert read_eval_log((line + "\r\n").encode()).n_items == 1
