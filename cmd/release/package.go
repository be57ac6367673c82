package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

// installed is where each file of the system packages goes, from the
// repository root (or the built binary).
type installed struct {
	src, dst string
	kind     string // nfpm content type: "" for a plain file
	mode     os.FileMode
	group    string
}

func packageFiles(bin string) []installed {
	return []installed{
		{src: bin, dst: "/usr/bin/duban", mode: 0o755},
		// The operator's configuration and secrets: never overwritten on upgrade,
		// readable by the service's group only.
		{src: "config.example.toml", dst: "/etc/duban/duban.toml", kind: files.TypeConfigNoReplace, mode: 0o640, group: "duban"},
		{src: "deploy/duban.env", dst: "/etc/duban/duban.env", kind: files.TypeConfigNoReplace, mode: 0o640, group: "duban"},
		{src: "deploy/duban.service", dst: "/usr/lib/systemd/system/duban.service", mode: 0o644},
		{src: "config.example.toml", dst: "/usr/share/doc/duban/config.example.toml", mode: 0o644},
		{src: "README.md", dst: "/usr/share/doc/duban/README.md", mode: 0o644},
	}
}

// packageAll writes the .tar.gz, .deb and .rpm for one architecture and
// returns their paths.
func packageAll(src source, arch, bin, out string) ([]string, error) {
	tarball, err := writeTarball(src, arch, bin, out)
	if err != nil {
		return nil, err
	}
	paths := []string{tarball}
	for _, format := range []string{"deb", "rpm"} {
		p, err := writeSystemPackage(src, arch, bin, out, format)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func systemPackageInfo(src source, arch, bin string) *nfpm.Info {
	var contents files.Contents
	for _, f := range packageFiles(bin) {
		path := f.src
		if !filepath.IsAbs(path) {
			path = filepath.Join(src.root, path)
		}
		group := f.group
		if group == "" {
			group = "root"
		}
		contents = append(contents, &files.Content{
			Source: path, Destination: f.dst, Type: f.kind,
			FileInfo: &files.ContentFileInfo{Owner: "root", Group: group, Mode: f.mode, MTime: src.time},
		})
	}
	// The state and backup directories belong to the service user; the
	// configuration directory is readable by its group only.
	for _, dir := range []struct{ path, owner string }{
		{"/etc/duban", "root"}, {"/var/lib/duban", "duban"}, {"/var/backups/duban", "duban"},
	} {
		contents = append(contents, &files.Content{
			Destination: dir.path, Type: files.TypeDir,
			FileInfo: &files.ContentFileInfo{Owner: dir.owner, Group: "duban", Mode: 0o750, MTime: src.time},
		})
	}
	script := func(name string) string { return filepath.Join(src.root, "deploy", name) }
	return nfpm.WithDefaults(&nfpm.Info{
		Name:        "duban",
		Arch:        arch,
		Platform:    "linux",
		Version:     src.version,
		Section:     "net",
		Priority:    "optional",
		Maintainer:  "duban maintainers <duban@localhost>",
		Vendor:      "duban",
		Homepage:    "https://github.com/duban-org/duban",
		License:     "Proprietary",
		Description: "督办: WeCom self-built app that chases reform task lists, takes progress reports by chat and answers policy questions.",
		MTime:       src.time,
		Overridables: nfpm.Overridables{
			Contents: contents,
			Scripts: nfpm.Scripts{
				PreInstall:  script("preinstall.sh"),
				PostInstall: script("postinstall.sh"),
				PreRemove:   script("preremove.sh"),
			},
			RPM: nfpm.RPM{Group: "Applications/Internet"},
		},
	})
}

func writeSystemPackage(src source, arch, bin, out, format string) (string, error) {
	packager, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	info := systemPackageInfo(src, arch, bin)
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", fmt.Errorf("%s for %s: %w", format, arch, err)
	}
	path := filepath.Join(out, packager.ConventionalFileName(info))
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	if err := packager.Package(info, f); err != nil {
		f.Close()
		return "", fmt.Errorf("%s for %s: %w", format, arch, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// writeTarball writes duban-VERSION-linux-ARCH.tar.gz: the binary, the
// systemd unit and scripts, the example configuration and the README under
// one top directory, with fixed owners and the commit's time.
func writeTarball(src source, arch, bin, out string) (string, error) {
	top := fmt.Sprintf("duban-%s-linux-%s", src.version, arch)
	path := filepath.Join(out, top+".tar.gz")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", out, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	gz := gzip.NewWriter(f) // header without name or time: reproducible
	tw := tar.NewWriter(gz)
	entries := []installed{
		{src: bin, dst: "duban", mode: 0o755},
		{src: "config.example.toml", dst: "config.example.toml", mode: 0o644},
		{src: "README.md", dst: "README.md", mode: 0o644},
		{src: "deploy/duban.service", dst: "deploy/duban.service", mode: 0o644},
		{src: "deploy/duban.env", dst: "deploy/duban.env", mode: 0o644},
		{src: "deploy/preinstall.sh", dst: "deploy/preinstall.sh", mode: 0o755},
		{src: "deploy/postinstall.sh", dst: "deploy/postinstall.sh", mode: 0o755},
		{src: "deploy/preremove.sh", dst: "deploy/preremove.sh", mode: 0o755},
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].dst < entries[j].dst })
	for _, e := range entries {
		p := e.src
		if !filepath.IsAbs(p) {
			p = filepath.Join(src.root, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", p, err)
		}
		hdr := &tar.Header{Name: top + "/" + e.dst, Mode: int64(e.mode), Size: int64(len(data)),
			ModTime: src.time, Uname: "root", Gname: "root", Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
		if _, err := tw.Write(data); err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := gz.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, f.Close()
}

// writeSums writes SHA256SUMS in the format `sha256sum -c` reads.
func writeSums(out string, artifacts []string) (string, error) {
	var b strings.Builder
	sorted := append([]string(nil), artifacts...)
	sort.Strings(sorted)
	for _, p := range sorted {
		f, err := os.Open(p)
		if err != nil {
			return "", fmt.Errorf("checksum %s: %w", p, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("checksum %s: %w", p, err)
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), filepath.Base(p))
	}
	path := filepath.Join(out, "SHA256SUMS")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
