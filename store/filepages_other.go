//go:build !linux

package store

// releaseFilePages does nothing where madvise(MADV_PAGEOUT) is not known
// (filepages_linux.go).
func (s *Store) releaseFilePages() {}

func mappedDir(string) string { return "" }
