package duban

import (
	"fmt"
	"strings"
)

// FindUnit finds the unit a person named: its code in any case (dq01), its
// full name (市司法局), or a fragment of its name unique among units
// (司法局). It fails with ENOTFOUND when nothing matches and EINVALID,
// listing the candidates, when a fragment fits several.
func FindUnit(units []Unit, ref string) (Unit, error) {
	ref = strings.TrimSpace(FoldWidth(ref))
	if ref == "" {
		return Unit{}, Errorf(EINVALID, "请写上单位名称或编码。")
	}
	var hits []Unit
	for _, u := range units {
		if strings.EqualFold(u.Code, ref) || u.Name == ref {
			return u, nil
		}
		if strings.Contains(u.Name, ref) {
			hits = append(hits, u)
		}
	}
	switch len(hits) {
	case 0:
		return Unit{}, Errorf(ENOTFOUND, "没有找到单位「%s」（可写单位全称、名称中的词或单位编码）。", ref)
	case 1:
		return hits[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "「%s」对应 %d 个单位，请写全称或编码：", ref, len(hits))
	for i, u := range hits {
		if i == 8 {
			fmt.Fprintf(&b, "……等 %d 个", len(hits))
			break
		}
		if i > 0 {
			b.WriteString("、")
		}
		fmt.Fprintf(&b, "%s（%s）", u.Name, u.Code)
	}
	return Unit{}, Errorf(EINVALID, "%s", b.String())
}

// FindGroup finds the supervision group a person named among groups: its
// name in any case, or a fragment unique among them (党群 for 党群组).
func FindGroup(groups []string, ref string) (string, error) {
	ref = strings.TrimSpace(FoldWidth(ref))
	var hits []string
	for _, g := range groups {
		if strings.EqualFold(g, ref) {
			return g, nil
		}
		if ref != "" && strings.Contains(strings.ToLower(g), strings.ToLower(ref)) {
			hits = append(hits, g)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	return "", Errorf(ENOTFOUND, "没有找到督办组「%s」（现有：%s）。", ref, strings.Join(groups, "、"))
}
