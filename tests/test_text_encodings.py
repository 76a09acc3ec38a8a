"""CSV and text exports in the encodings analysts receive them in (issue 10, item 4).

UTF-8 (with or without BOM) is read as UTF-8; otherwise the encoding is chosen by
charset-normalizer among the ones Vietnamese offices produce: Windows-1258 (tone marks as
separate combining characters, read back composed, NFC), Windows-1252 / Latin-1 for
English-only files, and UTF-16 LE/BE from Excel's "Unicode text" (with or without BOM).
An even number of Windows-1258 bytes also "decodes" as UTF-16, into nonsense: it must not.
"""
from __future__ import annotations

import random
import unicodedata

import pytest

from dx_metrics.errors import DxDataError
from dx_metrics.ingest import read_export
from dx_metrics.ingest.workbook import open_sheets

HEADER = ["Đơn vị", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính"]
ROWS = [["Sở Giao thông vận tải", "12", "4"],
        ["Văn phòng Sở", "7", "1"],
        ["Trung tâm Phục vụ hành chính công", "30", "15"]]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _lines(sep: str) -> str:
    def field(v: str) -> str:
        return f'"{v}"' if sep in v else v
    return "".join(sep.join(field(v) for v in row) + "\r\n" for row in [HEADER, *ROWS])


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: â ê ô ă ơ ư đ precomposed, the tone
    (grave, acute, tilde, hook, dot below) after the letter as a combining character."""
    out = bytearray()
    for ch in _nfc(text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        tones = ""
        for m in marks:
            joined = _nfc(base + m)
            try:
                if len(joined) != 1:
                    raise UnicodeEncodeError("cp1258", joined, 0, 1, "not one letter")
                joined.encode("cp1258")
                base = joined
            except UnicodeEncodeError:
                tones += m
        out += (base + tones).encode("cp1258")
    return bytes(out)


def _cells(path) -> list[list[str | None]]:
    [sheet] = open_sheets(path)
    assert sheet.name is None
    return sheet.cells.values.tolist()


def _expected(header=HEADER, rows=ROWS) -> list[list[str]]:
    return [[_nfc(v) for v in row] for row in [header, *rows]]


def test_the_cp1258_helper_writes_tone_marks_apart():
    data = cp1258("Đơn vị")
    assert data == b"\xd0\xf5n vi\xf2"             # "ị" = i + combining dot below (0xF2)
    assert _nfc(data.decode("cp1258")) == "Đơn vị"


ENCODED = {
    "utf-8": lambda: _lines(",").encode("utf-8"),
    "utf-8 with BOM": lambda: b"\xef\xbb\xbf" + _lines(",").encode("utf-8"),
    "utf-16-le with BOM": lambda: b"\xff\xfe" + _lines("\t").encode("utf-16-le"),
    "utf-16-le without BOM": lambda: _lines("\t").encode("utf-16-le"),
    "utf-16-be without BOM": lambda: _lines("\t").encode("utf-16-be"),
}


@pytest.mark.parametrize("name", list(ENCODED))
def test_unicode_exports_read_exactly(tmp_path, name):
    path = tmp_path / "export.csv"
    path.write_bytes(ENCODED[name]())
    assert _cells(path) == _expected()


def _cp1258_export(even: bool) -> tuple[bytes, list[list[str]]]:
    """The one-stop CSV in Windows-1258 with an even or odd byte count (a doubled space in
    one name adds a byte when needed), and the rows it holds."""
    rows = [list(r) for r in ROWS]
    data = cp1258(_lines(","))
    if (len(data) % 2 == 0) != even:
        rows[1][0] = "Văn phòng  Sở"
        data = cp1258(_lines(",").replace("Văn phòng Sở", rows[1][0]))
    assert len(data) % 2 == (0 if even else 1)
    return data, rows


@pytest.mark.parametrize("even", [True, False], ids=["even-byte-count", "odd-byte-count"])
def test_cp1258_exports_read_composed(tmp_path, even):
    data, rows = _cp1258_export(even)
    assert len(data) % 2 == (0 if even else 1)
    assert b"\xf2" in data and b"\xcc" in data     # tone marks written apart (dot below, grave)
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert _cells(path) == _expected(rows=rows)


def test_the_even_byte_cp1258_export_reads_the_same_figures(tmp_path):
    """The case once decoded as UTF-16: every even-length byte string is valid UTF-16."""
    data, _ = _cp1258_export(even=True)
    assert len(data) % 2 == 0
    data.decode("utf-16-le")                        # the trap: it "decodes"
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    df = read_export(path, "dossiers", period="2024")
    assert df["unit_name"].tolist() == ["Sở Giao thông vận tải", "Văn phòng Sở", "Trung tâm Phục vụ hành chính công"]
    assert df["received_online"].tolist() == [12, 7, 30]
    assert df["received_total"].tolist() == [16, 8, 45]
    assert set(df["period"]) == {"2024"}


# Lines of the project's reference data (units.csv, the GSO province list) on which
# charset-normalizer alone ranks Windows-1252 first, which reads "Huế" as "Huêì".
SHORT_VIETNAMESE = [
    "Đơn vị,Số\r\nSở Y tế,1\r\n",
    "46,Huế,Hue,Thành phố Huế,Hue City,hue,1,4\r\n",
    "vast,Viện Hàn lâm Khoa học và Công nghệ Việt Nam,Vietnam Academy of Science and Technology,"
    "government_agency,,,,,VAST,,\r\n",
]


@pytest.mark.parametrize("text", SHORT_VIETNAMESE, ids=["two-lines", "province", "agency"])
def test_a_short_cp1258_file_is_vietnamese_not_western(tmp_path, text):
    path = tmp_path / "short.csv"
    path.write_bytes(cp1258(text))
    expected = [[v or None for v in line.split(",")] for line in text.splitlines()]
    assert _cells(path) == expected


def test_an_english_latin1_export_reads_exactly(tmp_path):
    header, rows = ["Unit", "Online", "Note"], [["Café Hanoi", "3", "Naïve señor"], ["Zoë", "5", "£ 10 ½"]]
    path = tmp_path / "english.csv"
    path.write_bytes("".join(",".join(r) + "\r\n" for r in [header, *rows]).encode("latin-1"))
    assert _cells(path) == _expected(header, rows)


def test_an_english_cp1252_export_reads_exactly(tmp_path):
    header, rows = ["Unit", "Note"], [["Ops", "“Done” – €5"]]
    path = tmp_path / "english.csv"
    path.write_bytes("".join(",".join(r) + "\r\n" for r in [header, *rows]).encode("cp1252"))
    assert _cells(path) == _expected(header, rows)


def test_a_western_file_with_a_and_o_tilde_is_not_read_as_vietnamese(tmp_path):
    """ã and õ are ă and ơ in Windows-1258: without Vietnamese tone marks it stays Windows-1252."""
    header, rows = ["Name", "City"], [["João", "São Paulo"], ["Informações", "Lisboa"]]
    path = tmp_path / "western.csv"
    path.write_bytes("".join(",".join(r) + "\r\n" for r in [header, *rows]).encode("cp1252"))
    assert _cells(path) == _expected(header, rows)


def test_a_big_cp1258_file_is_detected_from_its_start_and_read_whole(tmp_path):
    rows = [[f"Phòng Tư pháp huyện số {i}", str(i % 97), str(i % 13)] for i in range(20_000)]
    text = "".join(",".join(r) + "\r\n" for r in [["Đơn vị", "Trực tuyến", "Trực tiếp"], *rows])
    data = cp1258(text)
    assert len(data) > 4 * 65536
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    cells = _cells(path)
    assert len(cells) == 20_001 and cells[-1] == [_nfc(v) for v in rows[-1]]


def test_a_byte_cp1258_lacks_past_the_detection_window_is_refused_naming_its_line(tmp_path):
    lines = [f"Phòng Tư pháp huyện số {i},{i % 97}\r\n" for i in range(5_000)]
    data = cp1258("Đơn vị,Trực tuyến\r\n" + "".join(lines)) + b"Thanh tra S\x81,3\r\n"   # 0x81: not in cp1258
    assert len(data) > 2 * 65536
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    with pytest.raises(DxDataError) as err:
        open_sheets(path)
    message = str(err.value)
    assert "late.csv" in message and "Windows-1258" in message and "line 5002" in message


def test_a_utf8_export_cut_in_the_middle_of_a_letter_is_refused_not_misread(tmp_path):
    """A download cut short: UTF-8 all through but its last letter. Its bytes also decode as
    Windows-1258 (into "Sá»Ÿ Giao thĂ´ng"), which must not be what is read."""
    text = "Tên đơn vị,Trực tuyến\r\nSở Giao thông vận tải,12\r\nVăn phòng Sở,7\r\nThanh tra Sở"
    data = text.encode("utf-8")[:-1]
    data.decode("cp1258")                           # the mojibake reading exists
    path = tmp_path / "cut.csv"
    path.write_bytes(data)
    with pytest.raises(DxDataError) as err:
        open_sheets(path)
    message = str(err.value)
    assert "cut.csv" in message and "UTF-8" in message and "line 4" in message


def test_garbage_binary_csv_is_refused_naming_the_file(tmp_path):
    rnd = random.Random(10)
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(rnd.randrange(256) for _ in range(5000)))
    with pytest.raises(DxDataError) as err:
        open_sheets(path)
    assert "garbage.csv" in str(err.value)


def test_high_byte_noise_without_zero_bytes_is_refused_not_read_as_cp1258(tmp_path):
    undefined_in_cp1258 = {0x81, 0x8A, 0x8D, 0x8E, 0x8F, 0x90, 0x9A, 0x9D, 0x9E}
    alphabet = [b for b in range(1, 256) if b not in undefined_in_cp1258]
    rnd = random.Random(10)
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes(rnd.choice(alphabet) for _ in range(5000)))
    with pytest.raises(DxDataError) as err:
        open_sheets(path)
    message = str(err.value)
    assert "noise.csv" in message and "save it as CSV UTF-8" in message
