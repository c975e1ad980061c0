"""Kinds of documents that used to get the wrong status, each built here from scratch.

Encrypted and Strict OOXML Word files, text boxes and content controls, UTF-16 without a BOM,
EUC-TW, text with NUL bytes, PDFs with broken content streams, and a PDF of one inline image.
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest

from assistant.core.knowledge import types as T
from assistant.core.knowledge.parsers import parse_file
from assistant.core.knowledge.textdecode import iconv_decode

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main": "http://purl.oclc.org/ooxml/wordprocessingml/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
    "http://schemas.openxmlformats.org/drawingml/2006/": "http://purl.oclc.org/ooxml/drawingml/",
}


def _word_doc(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Travel policy", 1)
    d.add_paragraph("Economy class is booked for flights under six hours.")
    d.add_heading("Hotels", 2)
    d.add_paragraph("The nightly limit is 180 euros.")
    d.save(str(path))
    return path


def _text(res) -> str:
    return "\n".join(s.text for s in res.sections)


# ---- Word: encryption, Strict OOXML, text boxes and content controls -------------------------

def test_password_protected_docx_needs_its_password(tmp_path):
    import msoffcrypto

    plain = _word_doc(tmp_path / "plain.docx")
    locked = tmp_path / "policy.docx"
    with open(plain, "rb") as src, open(locked, "wb") as out:
        msoffcrypto.OfficeFile(src).encrypt("Tr4vel!", out)  # ECMA-376 Agile encryption, as Word does
    assert locked.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"

    res = parse_file(str(locked))
    assert res.status == T.NEEDS_PASSWORD and "password" in res.reason
    wrong = parse_file(str(locked), "travel")
    assert wrong.status == T.WRONG_PASSWORD
    ok = parse_file(str(locked), "Tr4vel!")
    assert ok.status == T.INDEXED and ok.password_used
    assert ok.sections[-1].heading == "Travel policy > Hotels" and "180 euros" in ok.sections[-1].text


def test_word_97_file_named_docx_is_unsupported_not_damaged(tmp_path):
    f = tmp_path / "old.docx"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert parse_file(str(f)).status in (T.UNSUPPORTED, T.DAMAGED)
    assert parse_file(str(f)).reason


def _to_strict(src: Path, dst: Path) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                text = data.decode("utf-8")
                for old, new in STRICT.items():
                    text = text.replace(old, new)
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return dst


def test_strict_ooxml_docx_is_read(tmp_path):
    import docx

    strict = _to_strict(_word_doc(tmp_path / "t.docx"), tmp_path / "strict.docx")
    with pytest.raises(Exception):  # what the old parser relied on cannot open it
        docx.Document(str(strict))
    res = parse_file(str(strict))
    assert res.status == T.INDEXED, res.reason
    assert [s.heading for s in res.sections] == ["Travel policy", "Travel policy > Hotels"]
    assert "six hours" in _text(res) and "180 euros" in _text(res)


PACKAGE_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                 'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'wordprocessingml.document.main+xml"/></Types>')


def _raw_docx(path: Path, body: str) -> Path:
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<w:document xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
           f'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
           f'xmlns:v="urn:schemas-microsoft-com:vml" mc:Ignorable="wps"><w:body>{body}</w:body></w:document>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("word/document.xml", doc)
    return path


def _p(text: str, inner: str = "") -> str:
    return f"<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r>{inner}</w:p>"


def _text_box(text: str) -> str:
    """A text box the way Word writes it: DrawingML, and the same box again as a VML fallback."""
    box = f"<w:txbxContent>{_p(text)}</w:txbxContent>"
    return (f"<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:wsp><wps:txbx>{box}"
            f"</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{box}"
            f"</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")


def test_text_boxes_and_content_controls_are_read_once_in_order(tmp_path):
    body = (_p("Opening paragraph.")
            + _p("Anchor paragraph.", _text_box("Boxed warning: keep doors closed."))
            + "<w:sdt><w:sdtPr><w:alias w:val=\"Customer\"/></w:sdtPr><w:sdtContent>"
            + _p("Customer: Ada Lovelace") + "</w:sdtContent></w:sdt>"
            + "<w:p><w:r><w:t xml:space=\"preserve\">Contract date: </w:t></w:r><w:sdt><w:sdtContent><w:r>"
              "<w:t>12 March 2024</w:t></w:r></w:sdtContent></w:sdt></w:p>"
            + "<w:tbl><w:tr><w:tc>" + _p("Plan") + "</w:tc><w:sdt><w:sdtContent><w:tc>" + _p("Gold tier")
            + "</w:tc></w:sdtContent></w:sdt></w:tr></w:tbl>"
            + "<w:p><w:del><w:r><w:delText>withdrawn clause</w:delText></w:r></w:del>"
              "<w:ins><w:r><w:t>Final clause.</w:t></w:r></w:ins></w:p>")
    res = parse_file(str(_raw_docx(tmp_path / "form.docx", body)))
    assert res.status == T.INDEXED, res.reason
    text = _text(res)
    wanted = ["Opening paragraph.", "Anchor paragraph.", "Boxed warning: keep doors closed.",
              "Customer: Ada Lovelace", "Contract date: 12 March 2024", "Plan | Gold tier", "Final clause."]
    positions = [text.find(w) for w in wanted]
    assert all(p >= 0 for p in positions), text
    assert positions == sorted(positions)
    assert text.count("Boxed warning") == 1  # the VML fallback copy is not read twice
    assert "withdrawn" not in text


def test_broken_docx_is_damaged_with_a_reason(tmp_path):
    f = tmp_path / "cut.docx"
    f.write_bytes(_word_doc(tmp_path / "whole.docx").read_bytes()[:700])
    res = parse_file(str(f))
    assert res.status == T.DAMAGED and "zip" in res.reason


# ---- plain text: UTF-16 without a BOM, EUC-TW, NUL bytes ---------------------------------------

@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_decoded(tmp_path, enc):
    latin = tmp_path / "minutes.txt"
    latin.write_bytes("Minutes\r\nThe budget for Zürich is 4,200 francs.\r\n".encode(enc))
    cjk = tmp_path / "notice.txt"
    cjk.write_bytes("会议通知\r\n会议在星期五下午三点举行，请准时参加。\r\n地点：三楼会议室。\r\n".encode(enc))
    res = parse_file(str(latin))
    assert res.status == T.INDEXED and "The budget for Zürich is 4,200 francs." in _text(res)
    assert "星期五下午三点" in _text(parse_file(str(cjk)))


# "臺灣的圖書館明天開放，歡迎讀者借閱書籍。" in EUC-TW (CNS 11643 plane 1), then 乂乜 from plane 2.
EUC_TW = (b"Library notice\n" + bytes.fromhex("ead7fda4cefbe8b7d5f3f3a8cdfcc5b2e2e4cdf3a1a2fbe3cfd2fbf4cfafd4acefe5"
                                               "d5f3faa6a1a4") + b"\n" + bytes.fromhex("8ea2a1a18ea2a1a2") + b"\n")


def test_euc_tw_text_is_decoded_or_named(tmp_path):
    f = tmp_path / "notice.txt"
    f.write_bytes(EUC_TW * 3)
    res = parse_file(str(f))
    if iconv_decode(b"\xc4\xc2", "EUC-TW") is None:  # no converter on this system (Windows)
        assert res.status == T.UNSUPPORTED and "EUC-TW" in res.reason and "UTF-8" in res.reason
        return
    assert res.status == T.INDEXED, res.reason
    assert "臺灣的圖書館明天開放,歡迎讀者借閱書籍。" in _text(res) and "乂乜" in _text(res)  # NFKC: ，->,


def test_other_east_asian_encodings_are_not_taken_for_euc_tw(tmp_path):
    for enc, text in (("gbk", "会议在星期五下午三点举行，请准时参加。"),
                      ("euc-kr", "회의는 금요일 오후 세 시에 열립니다. 시간을 지켜 주세요."),
                      ("big5", "圖書館明天開放。歡迎讀者借閱書籍。")):
        f = tmp_path / f"{enc}.txt"
        f.write_bytes(text.encode(enc))
        assert unicodedata.normalize("NFKC", text) in _text(parse_file(str(f))), enc


def test_text_with_nul_bytes_and_crlf_is_text(tmp_path):
    f = tmp_path / "orders.log"
    f.write_bytes(b"ORDER 1001 shipped\r\n\x00\x00\x00ORDER 1002 pending\r\n" + b"\x00" * 300
                  + b"ORDER 1003 late\r\n" + b"rec 7 ok\r\n\x00" * 20)
    res = parse_file(str(f))
    assert res.status == T.INDEXED, res.reason
    text = _text(res)
    assert "ORDER 1002 pending\nORDER 1003 late" in text and "\r" not in text and "\x00" not in text


def test_binary_with_a_text_name_stays_unsupported(tmp_path):
    import random

    for name, data in (("zeros.txt", b"\x00\x01\x02" * 100), ("noise.txt", random.Random(7).randbytes(4000))):
        f = tmp_path / name
        f.write_bytes(data)
        res = parse_file(str(f))
        assert res.status == T.UNSUPPORTED and "binary" in res.reason, name


# ---- PDF: broken content streams, inline images -------------------------------------------------

def _pdf(path: Path, content: bytes | None = None, *, raw_flate: bytes | None = None, image: bool = False) -> Path:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, StreamObject

    w = PdfWriter()
    page = w.add_blank_page(200, 200)
    if raw_flate is not None:
        cs = StreamObject()
        cs._data = raw_flate
        cs[NameObject("/Filter")] = NameObject("/FlateDecode")
    else:
        cs = DecodedStreamObject()
        cs.set_data(content or b"")
    page[NameObject("/Contents")] = w._add_object(cs)
    res = DictionaryObject()
    if image:
        img = DecodedStreamObject()
        img.set_data(bytes(range(64)))
        img.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                    NameObject("/Width"): NumberObject(8), NameObject("/Height"): NumberObject(8),
                    NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                    NameObject("/BitsPerComponent"): NumberObject(8)})
        res[NameObject("/XObject")] = DictionaryObject({NameObject("/Im0"): w._add_object(img)})
    page[NameObject("/Resources")] = res
    buf = io.BytesIO()
    w.write(buf)
    path.write_bytes(buf.getvalue())
    return path


DRAW_IMAGE = b"q 180 0 0 180 10 10 cm /Im0 Do Q"


@pytest.fixture
def no_ocr(monkeypatch):
    """OCR unavailable (the package missing): scans are detected and reported as needing OCR."""
    from assistant.core.knowledge import ocr

    def missing():
        raise ocr.OcrUnavailable("the OCR engine (rapidocr-onnxruntime) cannot be loaded: No module")

    monkeypatch.setattr(ocr, "engine", missing)


def test_pdf_of_one_inline_image_needs_ocr(tmp_path, no_ocr):
    inline = b"q 180 0 0 180 10 10 cm BI /W 4 /H 4 /CS /G /BPC 8 ID " + bytes(range(16)) + b"\nEI Q"
    res = parse_file(str(_pdf(tmp_path / "fax.pdf", inline)))
    assert res.status == T.NEEDS_OCR and "1 of 1 pages" in res.reason and "rapidocr" in res.reason


def test_a_scan_without_words_is_read_by_ocr_and_found_empty(tmp_path):
    res = parse_file(str(_pdf(tmp_path / "scan.pdf", DRAW_IMAGE, image=True)))
    assert res.status == T.EMPTY and "OCR found no text (1 page read)" in res.reason


def test_scans_blank_pages_and_unpainted_images(tmp_path, no_ocr):
    assert parse_file(str(_pdf(tmp_path / "scan.pdf", DRAW_IMAGE, image=True))).status == T.NEEDS_OCR
    assert parse_file(str(_pdf(tmp_path / "blank.pdf", b"q Q"))).status == T.EMPTY
    # an image that sits in the resources but is never painted does not make a page a scan
    assert parse_file(str(_pdf(tmp_path / "unused.pdf", b"q Q", image=True))).status == T.EMPTY


def test_malformed_pdf_is_damaged_not_scanned(tmp_path):
    garbage = _pdf(tmp_path / "garbage.pdf", raw_flate=b"\x78\x9c" + b"not deflate data " * 8, image=True)
    full = zlib.compress(DRAW_IMAGE + b" BT /F1 12 Tf 20 100 Td (Invoice 2024-117 total 840 EUR) Tj ET")
    cut = _pdf(tmp_path / "cut.pdf", raw_flate=full[: len(full) // 2], image=True)
    for f in (garbage, cut):
        res = parse_file(str(f))
        assert res.status == T.DAMAGED, (f.name, res.status, res.reason)
        assert "page 1" in res.reason and "broken" in res.reason


# ---- the real indexing path: the parser child, the manifest, the keyring -----------------------

def test_protected_docx_indexes_with_the_password(tmp_path, paths, memory_keyring):
    import msoffcrypto

    from assistant.core.knowledge import HashEmbedder, KnowledgeBase

    folder = tmp_path / "docs"
    folder.mkdir()
    plain = _word_doc(tmp_path / "plain.docx")
    locked = folder / "policy.docx"
    with open(plain, "rb") as src, open(locked, "wb") as out:
        msoffcrypto.OfficeFile(src).encrypt("Tr4vel!", out)
    kb = KnowledgeBase(paths, HashEmbedder(), parse_timeout=60)
    try:
        (rep,) = kb.index("travel", [folder])
        assert rep.status == T.NEEDS_PASSWORD
        (rep,) = kb.index("travel", [locked], passwords={str(locked.resolve()): "wrong"})
        assert rep.status == T.WRONG_PASSWORD
        (rep,) = kb.index("travel", [locked], passwords={str(locked.resolve()): "Tr4vel!"}, remember_passwords=True)
        assert rep.status == T.INDEXED and rep.chunks > 0
        hits = kb.search("travel", "nightly hotel limit euros", k=3, min_score=-1.0)
        assert any("180 euros" in h.text for h in hits)
    finally:
        kb.close()
