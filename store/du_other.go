//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "io/fs"

// allocated is the file's length where its blocks are not known.
func allocated(info fs.FileInfo) int64 { return info.Size() }
