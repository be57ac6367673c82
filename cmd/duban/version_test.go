package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestVersionPrintsStampedVersion(t *testing.T) {
	old := version
	version = "1.4.0"
	defer func() { version = old }()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"duban 1.4.0", "提交：", "构建日期：", "平台："} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
