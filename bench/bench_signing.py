"""PAdES signing and verification throughput on one core (pyHanko, a file key from the test PKI).

    .venv/bin/python bench/bench_signing.py [--seconds 10] [--warmup 2]

One process pinned to one core (``sched_setaffinity``), no database, no network: a fresh test PKI is generated
into a temporary ``CONGSO_PKI_DIR`` (its keys loaded once, as the signer cache does in a server process), the
timestamp authority answers in-process. The document is a realistic one-page A4 result (a "Giấy xác nhận tình
trạng hôn nhân" of ~35 lines with the national heading and a QR code), typeset by WeasyPrint with the vendored
Liberation Serif fonts. Scenarios, each warmed up and then run in a closed loop for ``--seconds``:

a. B-T person signature with its appearance (signature image, title, name), timestamped: what a leader's
   signature costs without revocation data;
b. B-LT person signature: (a) plus the validation context, so the chain's CRL is embedded in the DSS
   (what ``results.sign_as_person`` does);
c. the agency signature (seal, number, ISO time and the QR code to the verification page), B-LT, on top of the
   B-LT person signature (what ``results.sign_as_agency`` does at "issue");
d. verification of the issued document (both signatures), as ``POST /api/v1/signatures/verify`` runs it.

Each timed operation includes what the production call does per signature: the appearance, a fresh
validation context (B-LT), the timestamp. Target: ≥ 10 B-T signatures per second per core.

``--cached-keys`` (an experiment, not a code change) then runs the scenarios again with cryptography's
``load_der_private_key`` memoised in this process: pyHanko's ``SimpleSigner.sign_raw`` and the in-process
``DummyTimeStamper`` re-parse their PKCS#8 key for every raw signature, and cryptography validates an RSA key on
each load (~35 ms for RSA-2048 here), three times per signed document (the TSA token of the dry run that
sizes the signature placeholder, the signature, the real TSA token).
Exit status: 0 (a missed target is reported, not failed); 1 if a signed output does not verify.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_dossiers as bd  # noqa: E402

TARGET_BT_PER_S = 10
LEADER = types.SimpleNamespace(full_name="Lê Văn Bình", get_username=lambda: "bench.lanhdao")
AGENCY = types.SimpleNamespace(slug="bench-ubnd-hac-thanh", name="Ủy ban nhân dân phường Hạc Thành")

RESULT_HTML = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>
@font-face {{ font-family: "LS"; src: url("{regular}"); }}
@font-face {{ font-family: "LS"; font-weight: bold; src: url("{bold}"); }}
@font-face {{ font-family: "LS"; font-style: italic; src: url("{italic}"); }}
@page {{ size: A4; margin: 20mm 20mm 20mm 30mm; }}
body {{ font-family: "LS"; font-size: 13pt; line-height: 1.35; }}
.head {{ display: flex; justify-content: space-between; text-align: center; font-size: 12pt; }}
h1 {{ text-align: center; font-size: 14pt; margin: 14pt 0 8pt; }}
p {{ margin: 0 0 3pt; text-align: justify; }} .qr {{ position: absolute; left: 0; bottom: 0; width: 22mm; }}
</style></head><body>
<div class="head"><div><b>UỶ BAN NHÂN DÂN<br>PHƯỜNG HẠC THÀNH</b><br>Số: ....../UBND</div>
<div><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</b><br>
<i>Hạc Thành, ngày 25 tháng 11 năm 2026</i></div></div>
<h1>GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN</h1>
{paragraphs}
<img class="qr" src="{qr}" alt="QR">
</body></html>"""


def result_pdf() -> bytes:
    """A one-page A4 result typeset by WeasyPrint with the vendored fonts (as congso's forms are)."""
    from weasyprint import HTML

    from congso.documents.forms_pdf import FONT_DIR, FONT_FILES, qr_data_uri

    lines = [
        "Xét đề nghị của bà Nguyễn Thị Ánh về việc cấp Giấy xác nhận tình trạng hôn nhân,",
        "ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH XÁC NHẬN:",
        "Họ, chữ đệm, tên: NGUYỄN THỊ ÁNH. Ngày, tháng, năm sinh: 01/02/1990. Giới tính: Nữ.",
        "Dân tộc: Kinh. Quốc tịch: Việt Nam. Số định danh cá nhân: 038190001234.",
        "Nơi cư trú: Số 5 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa.",
        "Trong thời gian cư trú tại phường Hạc Thành từ ngày 01/02/2008 đến ngày 25/11/2026.",
        "Tình trạng hôn nhân: Hiện tại chưa đăng ký kết hôn với ai.",
        "Giấy này được cấp để làm thủ tục đăng ký kết hôn, có giá trị 06 tháng kể từ ngày cấp.",
    ]
    body = [
        *lines,
        *(f"Ghi chú {n:02d}: nội dung kiểm tra, đối chiếu hồ sơ gốc theo quy định hiện hành." for n in range(27)),
    ]
    fonts = {key: (FONT_DIR / name).as_uri() for key, name in FONT_FILES.items()}
    html = RESULT_HTML.format(
        paragraphs="\n".join(f"<p>{line}</p>" for line in body),
        qr=qr_data_uri("https://dichvucong.thanhhoa.gov.vn/xac-thuc/benchmark/"),
        **fonts,
    )
    return HTML(string=html, base_url=FONT_DIR.as_uri() + "/").write_pdf()


def run(label: str, op, seconds: float, warmup: float) -> dict:
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        op()
    samples: list[float] = []
    cpu0, start = time.process_time(), time.perf_counter()
    deadline = start + seconds
    while True:
        t0 = time.perf_counter()
        op()
        t1 = time.perf_counter()
        samples.append((t1 - t0) * 1000)
        if t1 >= deadline:
            break
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    rate = len(samples) / wall
    print(
        f"  {label}: {rate:.1f}/s  p50 {bd.pct(samples, 50):.1f} ms  p95 {bd.pct(samples, 95):.1f} ms  "
        f"({len(samples)} in {wall:.1f} s, CPU {cpu / wall:.2f} cores)",
        flush=True,
    )
    return {"label": label, "rate": rate, "samples": samples, "cpu": cpu / wall}


def cache_key_loads() -> None:
    """The experiment: every PKCS#8 key parsed (and RSA-validated) once per process instead of per signature."""
    from functools import lru_cache

    from cryptography.hazmat.primitives import serialization

    original = serialization.load_der_private_key

    @lru_cache(maxsize=32)
    def load_once(data, password=None, backend=None, *, unsafe_skip_rsa_key_validation=False):
        return original(data, password, backend, unsafe_skip_rsa_key_validation=unsafe_skip_rsa_key_validation)

    serialization.load_der_private_key = load_once


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="timed run per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up per scenario (default 2)")
    parser.add_argument(
        "--cached-keys", action="store_true", help="experiment: run again with private-key loads memoised"
    )
    args = parser.parse_args()

    info = bd.machine()  # before pinning: nproc reports the affinity mask
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    tmp = tempfile.TemporaryDirectory(prefix="congso-bench-signing-")
    os.environ["CONGSO_PKI_DIR"] = str(Path(tmp.name) / "pki")
    os.environ["CONGSO_VAR_DIR"] = tmp.name
    os.environ["DJANGO_SETTINGS_MODULE"] = "congso.settings"
    import logging

    import django

    django.setup()
    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # "fetching is not allowed" warning per B-LT signature
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "FFTM NOT subset" per appearance

    from django.conf import settings

    from congso.documents.signing import core, images, service

    t0 = time.perf_counter()
    service.ensure_test_pki()
    pki_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = result_pdf()
    render_s = time.perf_counter() - t0
    person_signer = service.person_signer(LEADER, title="Chủ tịch")
    agency_signer = service.agency_signer(AGENCY)
    tsa = service.timestamper()
    url = f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/xac-thuc/benchmark/"
    print(
        f"test PKI in {pki_s:.2f} s; result PDF (WeasyPrint, A4, 1 page): {len(base) / 1024:.0f} KB in {render_s:.2f} s; "
        f"RSA-{person_signer.signing_cert.public_key.bit_size} keys; one core, {args.seconds:g} s per scenario",
        flush=True,
    )

    def person(data: bytes, *, lt: bool) -> bytes:
        appearance = core.person_appearance(LEADER.full_name, "CHỦ TỊCH", images.signature_png(LEADER.full_name))
        return core.sign_pdf(
            data,
            person_signer,
            field_name="ChuKyNguoiCoThamQuyen",
            appearance=appearance,
            timestamper=tsa,
            validation_context=service.validation_context() if lt else None,
        )

    def agency(data: bytes) -> bytes:
        appearance = core.agency_appearance(
            AGENCY.name, dt.datetime.now(dt.UTC), images.seal_png(AGENCY.name), number="Số: 07/UBND", qr_url=url
        )
        return core.sign_pdf(
            data,
            agency_signer,
            field_name="ChuKyCoQuan",
            appearance=appearance,
            timestamper=tsa,
            validation_context=service.validation_context(),
        )

    person_lt = person(base, lt=True)
    issued = agency(person_lt)
    reports = core.verify_pdf(issued, service.validation_context)
    checks = [
        core.verify_pdf(person(base, lt=False), service.validation_context),
        core.verify_pdf(person_lt, service.validation_context),
        reports,
    ]
    if not all(r and all(s.ok and s.timestamped for s in r) for r in checks):
        print("FAIL: a signed output does not verify:", checks, file=sys.stderr)
        return 1
    print(f"issued document: {len(issued) / 1024:.0f} KB, {len(reports)} signatures, all valid and trusted")

    def scenarios() -> list[dict]:
        return [
            run(
                "a. B-T person signature (appearance, timestamp)",
                lambda: person(base, lt=False),
                args.seconds,
                args.warmup,
            ),
            run(
                "b. B-LT person signature (+ CRL in the DSS)", lambda: person(base, lt=True), args.seconds, args.warmup
            ),
            run("c. B-LT agency signature on the person's", lambda: agency(person_lt), args.seconds, args.warmup),
            run(
                "d. verification of the issued document (2 signatures)",
                lambda: core.verify_pdf(issued, service.validation_context),
                args.seconds,
                args.warmup,
            ),
        ]

    tables = [("as the code runs", scenarios())]
    if args.cached_keys:
        print("experiment: private-key loads memoised", flush=True)
        cache_key_loads()
        tables.append(("experiment: private keys loaded once (--cached-keys)", scenarios()))
    print()
    print(f"machine: {info['cpu']}, nproc {info['nproc']} (bench pinned to 1 core), Python {info['python']}")
    for title, results in tables:
        met = results[0]["rate"] >= TARGET_BT_PER_S
        print()
        print(f"{title}:")
        print()
        print("| scenario | per second (1 core) | p50 ms | p95 ms | operations | CPU (cores) |")
        print("|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r['label']} | {r['rate']:.1f} | {bd.pct(r['samples'], 50):.1f} | {bd.pct(r['samples'], 95):.1f} "
                f"| {len(r['samples'])} | {r['cpu']:.2f} |"
            )
        print()
        print(f"target: ≥ {TARGET_BT_PER_S} B-T signatures/s per core — {bd.verdict(met)} ({results[0]['rate']:.1f}/s)")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
