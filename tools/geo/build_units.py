#!/usr/bin/env python3
"""Build data/geo/units.json: the administrative units congso needs, with validity
dates and successor links.

Content
  * the 34 provinces in force since 1 Jul 2025;
  * the 166 communes of Thanh Hóa (province 38) in force since 1 Jul 2025;
  * the pre-reform Thanh Hóa hierarchy (district-level units and communes) from the
    state recorded by GSO on 2023-05-07 up to 30 Jun 2025, including the changes of
    Resolution 939/NQ-UBTVQH15 (1 Feb 2024) and of the 2023-2025 arrangement that
    merged Đông Sơn district into Thanh Hóa city (effective date: --dec2024-effective);
  * successor links for the 2024 changes and for the July 2025 reform.

Sources (read only, never imported; the app must not depend on them at runtime):
  --vietnamadminunits       vietnamadminunits 1.0.4 (MIT): data/dataset.db, data/converter_2025.json
  --vietnam-provinces-legacy vietnam-provinces 0.5.0 (data version 2023-05-07; GSO export)
  --vietnam-provinces-current (optional) vietnam-provinces 2025.10.1, cross-check only;
                             it never changes the output.
Each PATH may be a wheel file (*.whl) or an unpacked wheel / package directory.

Run from the project root:
  python tools/geo/build_units.py \
      --vietnamadminunits /tmp/geo/vietnamadminunits-1.0.4-py3-none-any.whl \
      --vietnam-provinces-legacy /tmp/geo/vietnam_provinces-0.5.0-py3-none-any.whl \
      --out data/geo/units.json

The output is deterministic: sorted units, no timestamps, UTF-8, NFC, indent 1.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sqlite3
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

PROVINCE = "38"  # Thanh Hóa
REFORM_2025 = "2025-07-01"
LAST_DAY_BEFORE_2025 = "2025-06-30"
# Decision 19/2025/QĐ-TTg (list and codes of administrative units) took effect on the
# day of the two-level reform; the 2025 data reflect that list.
SOURCE_DATE = REFORM_2025
SOURCE_TITLE = (
    "Đơn vị hành chính: 34 tỉnh, thành phố (từ 01/7/2025) và lịch sử đơn vị hành chính "
    "tỉnh Thanh Hóa (cấp huyện, cấp xã trước 01/7/2025; cấp xã từ 01/7/2025)"
)

# Changes whose effective date differs from the 2023-2025 arrangement date.
# Resolution 939/NQ-UBTVQH15 (13 Dec 2023, effective 1 Feb 2024): xã Thiệu Phú merged into
# thị trấn Thiệu Hóa; thị trấn Hậu Hiền established (it kept the code of xã Minh Tâm).
EARLY_EVENTS = {
    "15790": ("2024-02-01", "939/NQ-UBTVQH15"),
    "15829": ("2024-02-01", "939/NQ-UBTVQH15"),
}

PREFIXES = [  # longest first
    ("Thành phố ", "thành phố"),
    ("Thị trấn ", "thị trấn"),
    ("Thị xã ", "thị xã"),
    ("Đặc khu ", "đặc khu"),
    ("Phường ", "phường"),
    ("Huyện ", "huyện"),
    ("Quận ", "quận"),
    ("Tỉnh ", "tỉnh"),
    ("Xã ", "xã"),
]

LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}


# --------------------------------------------------------------------------- helpers
def nfc(s):
    return unicodedata.normalize("NFC", s) if isinstance(s, str) else s


def fold(s: str) -> str:
    """ASCII key like vietnamadminunits' *Key columns: 'Xã Hà Thái' -> 'xahathai'."""
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    s = s.replace("đ", "d").replace("Đ", "D").lower()
    return re.sub(r"[^a-z0-9]", "", s)


def split_name(name: str):
    """'Huyện Đông Sơn' -> ('huyện', 'Đông Sơn')."""
    for prefix, kind in PREFIXES:
        if name.startswith(prefix):
            return kind, name[len(prefix) :]
    raise ValueError(f"cannot classify unit name {name!r}")


def strip_prefix(name: str) -> str:
    for prefix, _ in PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def day_before(iso: str) -> str:
    return (dt.date.fromisoformat(iso) - dt.timedelta(days=1)).isoformat()


def die(msg: str):
    sys.exit(f"build_units: {msg}")


class Source:
    """A package given as a wheel or a directory; files are looked up by suffix."""

    def __init__(self, path: str, package: str):
        self.path = Path(path)
        self.package = package
        self._tmp = None
        if not self.path.exists():
            die(f"{path} does not exist")
        if self.path.is_file():
            if not zipfile.is_zipfile(self.path):
                die(f"{path} is neither a directory nor a wheel")
            self._tmp = tempfile.TemporaryDirectory(prefix="build_units_")
            with zipfile.ZipFile(self.path) as zf:
                zf.extractall(self._tmp.name)
            self.root = Path(self._tmp.name)
        else:
            self.root = self.path

    def find(self, rel: str) -> Path:
        """Find '<package>/<rel>' (or '<rel>' when root already is the package dir)."""
        for cand in (self.root / self.package / rel, self.root / rel):
            if cand.is_file():
                return cand
        hits = sorted(p for p in self.root.rglob(Path(rel).name) if str(p).endswith(rel))
        if hits:
            return hits[0]
        die(f"{rel} not found under {self.path}")

    def version(self) -> str:
        metas = sorted(self.root.glob("*.dist-info/METADATA")) or sorted(self.root.parent.glob("*.dist-info/METADATA"))
        for meta in metas:
            for line in meta.read_text(encoding="utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
        die(f"no *.dist-info/METADATA with a Version under {self.path}")

    def data_version(self):
        init = self.find("__init__.py")
        m = re.search(r"__data_version__\s*=\s*['\"]([^'\"]+)['\"]", init.read_text("utf-8"))
        return m.group(1) if m else None


def unit(key, code, name, level, kind, parent, valid_from, valid_to, successors=()):
    kind_from_name, short = split_name(name)
    return {
        "key": key,
        "code": code,
        "name": nfc(name),
        "short_name": nfc(short),
        "level": level,
        "kind": kind,
        "parent": parent,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "successors": list(successors),
    }


# --------------------------------------------------------------------------- loading
def load_vau(src: Source):
    db = sqlite3.connect(str(src.find("data/dataset.db")))
    db.row_factory = sqlite3.Row
    conv = json.loads(src.find("data/converter_2025.json").read_text("utf-8"))
    provinces = {}
    for r in db.execute("SELECT DISTINCT provinceCode, province, provinceKey FROM admin_units"):
        provinces[r["provinceCode"]] = {"name": nfc(r["province"]), "key": r["provinceKey"]}
    wards2025 = [
        dict(r)
        for r in db.execute(
            "SELECT wardCode, ward, wardType, wardKey FROM admin_units WHERE provinceCode=?",
            (PROVINCE,),
        )
    ]
    legacy = [
        dict(r)
        for r in db.execute(
            "SELECT provinceKey, districtCode, district, districtType, districtKey, districtAlias,"
            " wardCode, ward, wardType, wardKey, wardAlias FROM admin_units_legacy"
            " WHERE provinceCode=?",
            (PROVINCE,),
        )
    ]
    db.close()
    return provinces, wards2025, legacy, conv


def load_vp(src: Source):
    data = json.loads(src.find("data/nested-divisions.json").read_text("utf-8"))
    return {p["code"]: p for p in data}


# --------------------------------------------------------------------------- build
def build(args):
    vau = Source(args.vietnamadminunits, "vietnamadminunits")
    vpl = Source(args.vietnam_provinces_legacy, "vietnam_provinces")
    eff = args.dec2024_effective
    eff_end = day_before(eff)

    legacy_data_version = vpl.data_version()
    if not legacy_data_version or legacy_data_version >= eff:
        die(
            f"--vietnam-provinces-legacy has data version {legacy_data_version!r}; it must "
            f"predate {eff} (use vietnam-provinces 0.5.0, data 2023-05-07; 0.5.8 and 0.6.0 "
            "carry the 2025-01-04 GSO export, i.e. the state after the 2024 arrangement)"
        )

    provinces, wards2025, legacy_rows, conv = load_vau(vau)
    vp_legacy = load_vp(vpl)
    warnings = []

    units = []

    # ---- provinces (34, current)
    merged_from = conv["DICT_PROVINCE"]
    for code in sorted(provinces):
        p = provinces[code]
        kind = "thành phố trung ương" if p["name"].startswith("Thành phố ") else "tỉnh"
        olds = merged_from.get(p["key"])
        if olds is None:
            die(f"province {code} {p['name']} missing from converter DICT_PROVINCE")
        merged = len(olds) > 1
        key = f"{code}@{REFORM_2025}" if merged else code
        units.append(unit(key, code, p["name"], "province", kind, None, REFORM_2025 if merged else None, None))
    prov_key = {u["code"]: u["key"] for u in units}
    th_key = prov_key[PROVINCE]
    if th_key != PROVINCE:
        die("Thanh Hóa is expected to be unchanged by the 2025 reform")

    # ---- Thanh Hóa communes from 1 Jul 2025
    new_by_wardkey = {}
    for w in sorted(wards2025, key=lambda r: r["wardCode"]):
        code = w["wardCode"]
        kind, _ = split_name(w["ward"])
        if kind != nfc(w["wardType"]).lower():
            warnings.append(f"2025 {code} {w['ward']}: wardType {w['wardType']!r}, name says {kind!r}")
        key = f"{code}@{REFORM_2025}"
        new_by_wardkey[w["wardKey"]] = key
        units.append(unit(key, code, w["ward"], "commune", kind, th_key, REFORM_2025, None))

    # ---- pre-reform state (a): GSO list 2023-05-07 (vietnam-provinces 0.5.0)
    p38 = vp_legacy[int(PROVINCE)]
    pre_d, pre_w = {}, {}
    for d in p38["districts"]:
        dcode = f"{d['code']:03d}"
        pre_d[dcode] = {"name": nfc(d["name"]), "kind": split_name(d["name"])[0]}
        for w in d["wards"]:
            pre_w[f"{w['code']:05d}"] = {"name": nfc(w["name"]), "kind": split_name(w["name"])[0], "district": dcode}

    # ---- pre-reform state (b): just before 1 Jul 2025 (vietnamadminunits admin_units_legacy)
    last_d, last_w = {}, {}
    for r in legacy_rows:
        dcode, wcode = r["districtCode"], r["wardCode"]
        dkind, _ = split_name(nfc(r["district"]))
        if dkind != nfc(r["districtType"]).lower():
            warnings.append(f"legacy district {dcode}: districtType {r['districtType']!r} vs name")
        last_d[dcode] = {
            "name": nfc(r["district"]),
            "kind": dkind,
            "key": r["districtKey"],
            "alias": json.loads(r["districtAlias"] or "[]"),
        }
        wkind, _ = split_name(nfc(r["ward"]))
        if wkind != nfc(r["wardType"]).lower():
            warnings.append(
                f"legacy {wcode} {r['ward']}: wardType {r['wardType']!r} but the name says {wkind!r}; the name is used"
            )
        last_w[wcode] = {
            "name": nfc(r["ward"]),
            "kind": wkind,
            "district": dcode,
            "alias": json.loads(r["wardAlias"] or "[]"),
            "convkey": f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}",
        }

    # ---- district-level units
    dist_key = {}  # code -> key of the version in force on 30 Jun 2025
    dist_key_old = {}  # code -> key of the version in force before the 2024 change
    for dcode in sorted(set(pre_d) | set(last_d)):
        a, b = pre_d.get(dcode), last_d.get(dcode)
        if a and b:
            if fold(a["name"]) != fold(b["name"]) or a["kind"] != b["kind"]:
                die(f"district {dcode} changed name/kind; not handled: {a} -> {b}")
            key = f"{dcode}~{LAST_DAY_BEFORE_2025}"
            dist_key[dcode] = dist_key_old[dcode] = key
        elif a:  # abolished in 2024
            dist_key_old[dcode] = f"{dcode}~{eff_end}"
        else:
            dist_key[dcode] = f"{dcode}@{eff}~{LAST_DAY_BEFORE_2025}"
            die(f"district {dcode} is new in the 2025-06-30 list; not handled")

    # successor of an abolished district: the district whose alias lists its name
    dist_successor = {}
    for dcode in sorted(set(pre_d) - set(last_d)):
        name_key = fold(pre_d[dcode]["name"])
        hits = sorted(c for c, d in last_d.items() if name_key in d["alias"])
        if len(hits) != 1:
            die(f"abolished district {dcode} has {len(hits)} alias matches: {hits}")
        dist_successor[dcode] = hits[0]
    for dcode in sorted(set(pre_d) | set(last_d)):
        if dcode in last_d:
            d = last_d[dcode]
            units.append(
                unit(dist_key[dcode], dcode, d["name"], "district", d["kind"], th_key, None, LAST_DAY_BEFORE_2025)
            )
        else:
            d = pre_d[dcode]
            units.append(
                unit(
                    dist_key_old[dcode],
                    dcode,
                    d["name"],
                    "district",
                    d["kind"],
                    th_key,
                    None,
                    eff_end,
                    [dist_key[dist_successor[dcode]]],
                )
            )

    # ---- communes: 2025 successors from the converter
    conv_nd = conv["DICT_PROVINCE_WARD_NO_DIVIDED"]["tinhthanhhoa"]
    conv_dv = conv["DICT_PROVINCE_WARD_DIVIDED"].get("tinhthanhhoa", {})
    succ2025 = {}
    for new_key, olds in conv_nd.items():
        for o in olds:
            if o in succ2025:
                die(f"converter maps {o} twice")
            succ2025[o] = [new_by_wardkey[new_key]]
    for o, targets in conv_dv.items():
        if o in succ2025:
            die(f"converter lists {o} as divided and not divided")
        default = [t for t in targets if t["isDefaultNewWard"]]
        if len(default) != 1:
            die(f"divided ward {o} has {len(default)} default successors")
        others = sorted(new_by_wardkey[t["newWardKey"]] for t in targets if not t["isDefaultNewWard"])
        succ2025[o] = [new_by_wardkey[default[0]["newWardKey"]]] + others

    # ---- communes: versions
    spelling_only = []
    changed = []  # (code, old, new, date)
    abolished = []  # (code, old, date)
    for wcode in sorted(set(pre_w) | set(last_w)):
        a, b = pre_w.get(wcode), last_w.get(wcode)
        if b:
            b_succ = succ2025.get(b["convkey"])
            if b_succ is None:
                warnings.append(f"no 2025 successor for {wcode} {b['name']} ({b['convkey']})")
                b_succ = []
        if a and b:
            same_parent = a["district"] == b["district"]
            same = same_parent and a["kind"] == b["kind"] and fold(a["name"]) == fold(b["name"])
            if same:
                if a["name"] != b["name"]:
                    spelling_only.append((wcode, a["name"], b["name"]))
                # GSO spelling (the official code list) is kept for the name.
                units.append(
                    unit(
                        f"{wcode}~{LAST_DAY_BEFORE_2025}",
                        wcode,
                        a["name"],
                        "commune",
                        a["kind"],
                        dist_key[b["district"]],
                        None,
                        LAST_DAY_BEFORE_2025,
                        b_succ,
                    )
                )
            else:
                date = EARLY_EVENTS.get(wcode, (eff, None))[0]
                end = day_before(date)
                new_key = f"{wcode}~{LAST_DAY_BEFORE_2025}"
                units.append(
                    unit(
                        f"{wcode}~{end}",
                        wcode,
                        a["name"],
                        "commune",
                        a["kind"],
                        dist_key_old[a["district"]],
                        None,
                        end,
                        [new_key],
                    )
                )
                units.append(
                    unit(
                        new_key,
                        wcode,
                        b["name"],
                        "commune",
                        b["kind"],
                        dist_key[b["district"]],
                        date,
                        LAST_DAY_BEFORE_2025,
                        b_succ,
                    )
                )
                changed.append((wcode, a, b, date))
        elif a:
            date = EARLY_EVENTS.get(wcode, (eff, None))[0]
            abolished.append((wcode, a, date))
        else:
            die(f"commune {wcode} {b['name']} is new in the 2025-06-30 list; not handled")

    # successors of abolished communes: a commune of the same (or successor) district
    # whose vietnamadminunits alias list names the abolished commune, or which now carries
    # the abolished commune's name under another code.
    evidence = []
    for wcode, a, date in abolished:
        target_d = a["district"] if a["district"] in last_d else dist_successor[a["district"]]
        nk = fold(a["name"])
        hits_alias = sorted(c for c, w in last_w.items() if w["district"] == target_d and nk in w["alias"])
        hits_name = sorted(
            c for c, w in last_w.items() if w["district"] == target_d and fold(w["name"]) == nk and c != wcode
        )
        hits = sorted(set(hits_alias) | set(hits_name))
        end = day_before(date)
        if len(hits) == 1 and (hits[0] in hits_alias or not args.alias_links_only):
            s = hits[0]
            how = "alias" if s in hits_alias else "name"
            succ = [f"{s}~{LAST_DAY_BEFORE_2025}"]
        else:
            s, how, succ = None, "unconfirmed", []
        evidence.append((wcode, a["name"], date, s, last_w[s]["name"] if s else None, how))
        units.append(
            unit(f"{wcode}~{end}", wcode, a["name"], "commune", a["kind"], dist_key_old[a["district"]], None, end, succ)
        )

    # ---- order and check
    units.sort(key=lambda u: (LEVEL_ORDER[u["level"]], u["code"], u["valid_from"] or "", u["valid_to"] or "9999-12-31"))
    report = {
        "warnings": warnings,
        "spelling_only": spelling_only,
        "changed": changed,
        "evidence": evidence,
        "eff": eff,
        "versions": {"vietnamadminunits": vau.version(), "vietnam-provinces": vpl.version()},
        "legacy_data_version": legacy_data_version,
    }
    if args.vietnam_provinces_current:
        report["crosscheck"] = crosscheck(Source(args.vietnam_provinces_current, "vietnam_provinces"), units)
    return units, report


def crosscheck(src: Source, units):
    """Compare current provinces and Thanh Hóa communes with vietnam-provinces (2025.x)."""
    vp = load_vp(src)
    notes = []
    cur_p = {u["code"]: u for u in units if u["level"] == "province"}
    for code, p in sorted(vp.items()):
        c = f"{code:02d}"
        if c not in cur_p:
            notes.append(f"province {c} {p['name']} only in vietnam-provinces")
        elif fold(strip_prefix(p["name"])) != fold(cur_p[c]["short_name"]):
            notes.append(f"province {c}: {p['name']!r} vs {cur_p[c]['name']!r}")
    cur_w = {u["code"]: u for u in units if u["level"] == "commune" and u["valid_from"] == REFORM_2025}
    vp_w = {f"{w['code']:05d}": w for w in vp[int(PROVINCE)]["wards"]}
    for c in sorted(set(cur_w) | set(vp_w)):
        a, b = cur_w.get(c), vp_w.get(c)
        if not a:
            notes.append(f"commune {c} {b['name']}: only in vietnam-provinces")
        elif not b:
            notes.append(f"commune {c} {a['name']}: only in vietnamadminunits")
        elif a["name"] != nfc(b["name"]):
            notes.append(f"commune {c}: {a['name']!r} vs {b['name']!r}")
    return {"version": src.version(), "data_version": src.data_version(), "notes": notes}


# --------------------------------------------------------------------------- checks
def valid_on(u, day):
    return (u["valid_from"] or "0000-01-01") <= day <= (u["valid_to"] or "9999-12-31")


def self_check(units, eff):
    keys = [u["key"] for u in units]
    dup = [k for k, n in Counter(keys).items() if n > 1]
    assert not dup, f"duplicate keys {dup}"
    keyset = set(keys)
    by_key = {u["key"]: u for u in units}
    for u in units:
        assert u["parent"] is None or u["parent"] in keyset, f"{u['key']}: bad parent"
        for s in u["successors"]:
            assert s in keyset, f"{u['key']}: bad successor {s}"
        for k, v in u.items():
            if isinstance(v, str):
                assert v == unicodedata.normalize("NFC", v), f"{u['key']}: {k} not NFC"
        if u["parent"]:
            p = by_key[u["parent"]]
            assert valid_on(p, u["valid_from"] or "1900-01-01") and valid_on(p, u["valid_to"] or "9999-12-30"), (
                f"{u['key']}: parent not valid over its span"
            )

    today = "2025-07-01"
    provinces = [u for u in units if u["level"] == "province" and valid_on(u, today)]
    assert len(provinces) == 34, len(provinces)
    cur = [u for u in units if u["level"] == "commune" and valid_on(u, today)]
    kinds = Counter(u["kind"] for u in cur)
    assert len(cur) == 166 and kinds == {"xã": 147, "phường": 19}, kinds
    assert all(u["parent"] == PROVINCE for u in cur)

    last = LAST_DAY_BEFORE_2025
    d_last = [u for u in units if u["level"] == "district" and valid_on(u, last)]
    c_last = [u for u in units if u["level"] == "commune" and valid_on(u, last)]
    assert len(d_last) == 26, len(d_last)
    assert len(c_last) == 547, len(c_last)
    # official figures before the reform: 63 phường, 32 thị trấn, 452 xã
    assert Counter(u["kind"] for u in c_last) == {"xã": 452, "phường": 63, "thị trấn": 32}
    first = "2023-05-07"
    assert len([u for u in units if u["level"] == "district" and valid_on(u, first)]) == 27
    assert len([u for u in units if u["level"] == "commune" and valid_on(u, first)]) == 559

    cur_keys = {u["key"] for u in cur}
    for u in c_last:
        assert u["valid_to"] == last
        if u["parent"]:
            assert u["successors"], f"{u['key']} has no 2025 successor"
            assert all(s in cur_keys for s in u["successors"]), u["key"]
    # every 2025 commune has at least one predecessor
    preds = {s for u in c_last for s in u["successors"]}
    assert preds == cur_keys, sorted(cur_keys - preds)


def summary(units, report):
    def count(level, day):
        sel = [u for u in units if u["level"] == level and valid_on(u, day)]
        return len(sel), dict(sorted(Counter(u["kind"] for u in sel).items()))

    lines = ["units.json summary"]
    lines.append(f"  total units: {len(units)}")
    for label, day in (
        ("2023-05-07 (GSO list, vietnam-provinces 0.5.0)", "2023-05-07"),
        (f"{report['eff']} (after the 2024 arrangement)", report["eff"]),
        ("2025-06-30 (last day before the reform)", "2025-06-30"),
        ("2025-07-01 (two-level government)", "2025-07-01"),
    ):
        lines.append(f"  {label}:")
        for level in ("province", "district", "commune"):
            n, k = count(level, day)
            lines.append(f"    {level:9s} {n:4d} {k}")
    lines.append(
        "  versions ended before 2025-06-30: "
        + str(dict(Counter(u["valid_to"] for u in units if u["valid_to"] and u["valid_to"] != "2025-06-30")))
    )
    lines.append("  2024 successor evidence (abolished communes):")
    for code, name, date, s, sname, how in report["evidence"]:
        lines.append(f"    {code} {name} (to {day_before(date)}) -> {s} {sname} [{how}]")
    lines.append("  changed in place (same code, new version):")
    for code, a, b, date in report["changed"]:
        lines.append(f"    {code} {a['name']} [{a['district']}] -> {b['name']} [{b['district']}] from {date}")
    if report["spelling_only"]:
        lines.append("  spelling differs between sources (GSO spelling kept):")
        for code, a, b in report["spelling_only"]:
            lines.append(f"    {code}: GSO {a!r}, vietnamadminunits {b!r}")
    if report["warnings"]:
        lines.append("  warnings:")
        lines.extend(f"    {w}" for w in report["warnings"])
    if "crosscheck" in report:
        cc = report["crosscheck"]
        lines.append(
            f"  cross-check against vietnam-provinces {cc['version']} "
            f"(data {cc['data_version']}): {len(cc['notes'])} difference(s)"
        )
        lines.extend(f"    {n}" for n in cc["notes"])
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vietnamadminunits", required=True, help="vietnamadminunits 1.0.4 wheel or unpacked directory")
    ap.add_argument(
        "--vietnam-provinces-legacy",
        required=True,
        help="vietnam-provinces 0.5.0 wheel or unpacked directory (GSO data 2023-05-07)",
    )
    ap.add_argument(
        "--vietnam-provinces-current", help="optional vietnam-provinces 2025.x wheel/directory, cross-check only"
    )
    ap.add_argument(
        "--dec2024-effective",
        default="2024-12-01",
        help="effective date of the 2023-2025 arrangement of Thanh Hóa (default 2024-12-01)",
    )
    ap.add_argument(
        "--alias-links-only",
        action="store_true",
        help="for communes abolished in 2024, keep only successor links backed by a "
        "vietnamadminunits alias (drop links inferred from a shared name)",
    )
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    dt.date.fromisoformat(args.dec2024_effective)

    units, report = build(args)
    self_check(units, args.dec2024_effective)
    doc = {
        "source": {
            "title": SOURCE_TITLE,
            "date": SOURCE_DATE,
            "generator": "tools/geo/build_units.py",
            "packages": dict(sorted(report["versions"].items())),
        },
        "units": units,
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    print(summary(units, report))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
