//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package diskspace

import "errors"

func freeSpace(string) (uint64, error) {
	return 0, errors.New("free disk space is not read on this system")
}
