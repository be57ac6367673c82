#!/usr/bin/env bash
# Rebuilds chart/font/DubanChartSans-GB2312.otf: Noto Sans Hans Regular
# (npm @embedpdf/fonts-sc, OFL-1.1) cut to GB2312 and ASCII, renamed as the
# OFL asks of a modified font. Needs npm and python3-fonttools.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @embedpdf/fonts-sc@1.0.0 >/dev/null && tar xzf embedpdf-fonts-sc-1.0.0.tgz)
python3 - "$work" <<'PY'
import sys
from fontTools import subset
from fontTools.ttLib import TTFont
work = sys.argv[1]
chars = {chr(c) for c in range(0x20, 0x7f)}
for b1 in range(0xA1, 0xF8):
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars |= set("—–％（）：，、。；！？“”‘’《》·…")
opts = subset.Options()
opts.layout_features = []
opts.hinting = False
font = subset.load_font(work + "/package/fonts/NotoSansHans-Regular.otf", opts)
s = subset.Subsetter(opts)
s.populate(text="".join(sorted(chars)))
s.subset(font)
family = "Duban Chart Sans GB2312"
for rec in font["name"].names:
    if rec.nameID in (1, 16):
        rec.string = family
    elif rec.nameID == 4:
        rec.string = family + " Regular"
    elif rec.nameID == 3:
        rec.string = "1.0;DUBAN;DubanChartSansGB2312"
    elif rec.nameID == 6:
        rec.string = "DubanChartSansGB2312-Regular"
font["CFF "].cff.fontNames = ["DubanChartSansGB2312-Regular"]
font.save("chart/font/DubanChartSans-GB2312.otf")
PY
cp "$work/package/LICENSE" chart/font/OFL.txt
