package duban

import "testing"

func TestFindUnit(t *testing.T) {
	units := []Unit{{Code: "DQ01", Name: "市委办公室"}, {Code: "ZF07", Name: "市司法局"}, {Code: "ZF08", Name: "市财政局"}}
	for ref, want := range map[string]string{"dq01": "DQ01", "ＤＱ０１": "DQ01", "市司法局": "ZF07", "司法局": "ZF07", " 财政 ": "ZF08"} {
		u, err := FindUnit(units, ref)
		if err != nil || u.Code != want {
			t.Errorf("FindUnit(%q) = %v, %v; want %s", ref, u.Code, err, want)
		}
	}
	if _, err := FindUnit(units, "局"); ErrorCode(err) != EINVALID {
		t.Errorf("ambiguous fragment: %v", err)
	}
	if _, err := FindUnit(units, "市公安局"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("unknown unit: %v", err)
	}
	if g, err := FindGroup([]string{"党群组", "政府组"}, "党群"); err != nil || g != "党群组" {
		t.Errorf("FindGroup: %q %v", g, err)
	}
	if _, err := FindGroup([]string{"党群组", "政府组"}, "组"); err == nil {
		t.Error("ambiguous group accepted")
	}
}
