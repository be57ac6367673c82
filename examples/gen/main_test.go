package main

import (
	"reflect"
	"testing"

	"github.com/duban-org/duban/tasklist"
)

// TestShippedSampleIsGenerated fails when the generator and the shipped
// files have drifted apart: run `go generate ./examples`.
func TestShippedSampleIsGenerated(t *testing.T) {
	want := Sample()
	for _, path := range []string{"../sample.xlsx", "../sample"} {
		got, err := tasklist.Read(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs from the generator's ledger; run go generate ./examples", path)
		}
	}
}

// TestGenerateWritesReadableFiles runs the generator into a scratch
// directory and reads both outputs back.
func TestGenerateWritesReadableFiles(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	want := Sample()
	for _, name := range []string{"sample.xlsx", "sample"} {
		got, err := tasklist.Read(dir + "/" + name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s does not read back as generated", name)
		}
	}
}
