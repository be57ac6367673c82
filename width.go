package duban

import "golang.org/x/text/width"

// DisplayWidth is how many cells s takes on a page or a terminal: a Chinese
// character or full-width sign two, a digit, letter or space one.
func DisplayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
