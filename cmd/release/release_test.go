package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blakesmith/ar"
)

// testSource is the repository this test runs in, with a fixed version and
// time: packaging is tested with a small stand-in binary so the test does not
// cross-compile duban three times (`go run ./cmd/release` does that).
func testSource(t *testing.T) (source, string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "duban")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho duban\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return source{root: root, version: "1.2.3", commit: strings.Repeat("ab", 20),
		time: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}, bin
}

func TestPackagesAreReproducible(t *testing.T) {
	src, bin := testSource(t)
	a, b := t.TempDir(), t.TempDir()
	first, err := packageAll(src, "arm64", bin, a)
	if err != nil {
		t.Fatal(err)
	}
	second, err := packageAll(src, "arm64", bin, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 3 {
		t.Fatalf("want .tar.gz, .deb and .rpm, got %v", first)
	}
	for i := range first {
		x, _ := os.ReadFile(first[i])
		y, _ := os.ReadFile(second[i])
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", filepath.Base(first[i]))
		}
	}
}

func TestDebInstallsServiceConfigAndState(t *testing.T) {
	src, bin := testSource(t)
	path, err := writeSystemPackage(src, "loong64", bin, t.TempDir(), "deb")
	if err != nil {
		t.Fatal(err)
	}
	members := arMembers(t, path)
	control := tarFiles(t, members["control.tar.gz"])
	if !strings.Contains(string(control["./control"].data), "Architecture: loong64") {
		t.Errorf("control file does not name the loong64 architecture:\n%s", control["./control"].data)
	}
	conffiles := control["./conffiles"]
	for _, want := range []string{"/etc/duban/duban.toml", "/etc/duban/duban.env"} {
		if !strings.Contains(string(conffiles.data), want) {
			t.Errorf("conffiles %q lacks %s: an upgrade would overwrite it", conffiles.data, want)
		}
	}
	for _, s := range []string{"./preinst", "./postinst", "./prerm"} {
		if _, ok := control[s]; !ok {
			t.Errorf("control archive lacks %s", s)
		}
	}
	data := tarFiles(t, members["data.tar.gz"])
	want := map[string]struct {
		mode        int64
		user, grp   string
		mustContain string
	}{
		"./usr/bin/duban":                        {mode: 0o755, user: "root", grp: "root"},
		"./etc/duban/duban.toml":                 {mode: 0o640, user: "root", grp: "duban", mustContain: "[store]"},
		"./etc/duban/duban.env":                  {mode: 0o640, user: "root", grp: "duban"},
		"./usr/lib/systemd/system/duban.service": {mode: 0o644, user: "root", grp: "root", mustContain: "ExecStart=/usr/bin/duban serve"},
		"./var/lib/duban/":                       {mode: 0o750, user: "duban", grp: "duban"},
		"./var/backups/duban/":                   {mode: 0o750, user: "duban", grp: "duban"},
		"./etc/duban/":                           {mode: 0o750, user: "root", grp: "duban"},
	}
	for name, w := range want {
		f, ok := data[name]
		if !ok {
			t.Errorf("package lacks %s", name)
			continue
		}
		if f.hdr.Mode&0o7777 != w.mode || f.hdr.Uname != w.user || f.hdr.Gname != w.grp {
			t.Errorf("%s: mode %o %s:%s, want %o %s:%s", name, f.hdr.Mode&0o7777, f.hdr.Uname, f.hdr.Gname, w.mode, w.user, w.grp)
		}
		if !f.hdr.ModTime.Equal(src.time) {
			t.Errorf("%s: time %v, want the commit's %v", name, f.hdr.ModTime, src.time)
		}
		if !strings.Contains(string(f.data), w.mustContain) {
			t.Errorf("%s does not contain %q", name, w.mustContain)
		}
	}
}

func TestRPMMarksConfigNoReplace(t *testing.T) {
	src, bin := testSource(t)
	path, err := writeSystemPackage(src, "arm64", bin, t.TempDir(), "rpm")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".aarch64.rpm") {
		t.Errorf("rpm name %s does not use the aarch64 architecture", filepath.Base(path))
	}
	files := rpmFiles(t, path)
	const config, noreplace = 1 << 0, 1 << 4
	toml, ok := files["/etc/duban/duban.toml"]
	if !ok {
		t.Fatalf("rpm lacks /etc/duban/duban.toml; has %v", files)
	}
	if toml.flags&(config|noreplace) != config|noreplace || toml.mode&0o7777 != 0o640 {
		t.Errorf("duban.toml: flags %b mode %o, want config|noreplace and 0640", toml.flags, toml.mode&0o7777)
	}
	if f, ok := files["/usr/bin/duban"]; !ok || f.mode&0o777 != 0o755 {
		t.Errorf("/usr/bin/duban missing or not executable: %+v", f)
	}
}

func TestTarballHoldsBinaryUnitAndConfig(t *testing.T) {
	src, bin := testSource(t)
	path, err := writeTarball(src, "amd64", bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	got := tarFiles(t, raw)
	for _, name := range []string{"duban", "config.example.toml", "README.md", "deploy/duban.service"} {
		if _, ok := got["duban-1.2.3-linux-amd64/"+name]; !ok {
			t.Errorf("tarball lacks %s", name)
		}
	}
}

func TestWriteSumsIsSha256sumFormat(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.deb")
	os.WriteFile(p, []byte("abc"), 0o644)
	sums, err := writeSums(dir, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(sums)
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if string(got) != abc+"  a.deb\n" {
		t.Errorf("SHA256SUMS = %q", got)
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the unit in a
// scratch root holding the binary, so a typo in a key fails the build.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (.ci/run installs it)")
	}
	units := "/usr/lib/systemd/system"
	if _, err := os.Stat(filepath.Join(units, "sysinit.target")); err != nil {
		t.Skip("no systemd units on this machine to verify against")
	}
	root := t.TempDir()
	unitDir := filepath.Join(root, units)
	if err := exec.Command("mkdir", "-p", filepath.Join(root, "usr/bin"), unitDir).Run(); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("cp", "-r", units+"/.", unitDir).Run(); err != nil {
		t.Fatal(err)
	}
	_, bin := testSource(t)
	copyFile(t, bin, filepath.Join(root, "usr/bin/duban"), 0o755)
	copyFile(t, "../../deploy/duban.service", filepath.Join(unitDir, "duban.service"), 0o644)
	out, err := exec.Command(analyze, "verify", "--root="+root, "duban.service").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
}

func arMembers(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := ar.NewReader(f)
	members := map[string][]byte{}
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			return members
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		members[strings.TrimSuffix(h.Name, "/")] = data
	}
}

type tarFile struct {
	hdr  *tar.Header
	data []byte
}

func tarFiles(t *testing.T, gz []byte) map[string]tarFile {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string]tarFile{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		files[h.Name] = tarFile{h, data}
	}
}

type rpmFile struct {
	mode  uint16
	flags uint32
}

// rpmFiles reads the file list of an rpm's main header (tags BASENAMES,
// DIRNAMES, DIRINDEXES, FILEMODES, FILEFLAGS): enough to check what rpm
// would install and how it treats configuration on upgrade.
func rpmFiles(t *testing.T, path string) map[string]rpmFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte{0xed, 0xab, 0xee, 0xdb}) {
		t.Fatal("not an rpm: bad lead magic")
	}
	off := 96
	sigTags, next := rpmHeader(t, raw, off)
	_ = sigTags
	off = (next + 7) &^ 7 // the signature header is padded to 8 bytes
	tags, _ := rpmHeader(t, raw, off)
	base, dirs := tags[1117].strings, tags[1118].strings
	idx, modes, flags := tags[1116].ints, tags[1030].ints, tags[1037].ints
	files := map[string]rpmFile{}
	for i, b := range base {
		files[dirs[idx[i]]+b] = rpmFile{mode: uint16(modes[i]), flags: uint32(flags[i])}
	}
	return files
}

type rpmTag struct {
	strings []string
	ints    []int64
}

func rpmHeader(t *testing.T, raw []byte, off int) (map[uint32]rpmTag, int) {
	t.Helper()
	if !bytes.HasPrefix(raw[off:], []byte{0x8e, 0xad, 0xe8, 0x01}) {
		t.Fatalf("no rpm header magic at %d", off)
	}
	n := int(binary.BigEndian.Uint32(raw[off+8:]))
	size := int(binary.BigEndian.Uint32(raw[off+12:]))
	store := raw[off+16+16*n : off+16+16*n+size]
	tags := map[uint32]rpmTag{}
	for i := range n {
		e := raw[off+16+16*i:]
		tag, typ := binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:])
		at, count := int(binary.BigEndian.Uint32(e[8:])), int(binary.BigEndian.Uint32(e[12:]))
		var v rpmTag
		switch typ {
		case 3: // int16
			for j := range count {
				v.ints = append(v.ints, int64(binary.BigEndian.Uint16(store[at+2*j:])))
			}
		case 4: // int32
			for j := range count {
				v.ints = append(v.ints, int64(binary.BigEndian.Uint32(store[at+4*j:])))
			}
		case 8: // string array
			for range count {
				end := bytes.IndexByte(store[at:], 0)
				v.strings = append(v.strings, string(store[at:at+end]))
				at += end + 1
			}
		}
		tags[tag] = v
	}
	return tags, off + 16 + 16*n + size
}
