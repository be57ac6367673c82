package web

// Long lists are shown a page at a time: a group of 700 units or a
// province of 10,000 is a summary and pages of pageRows rows, each list
// turned by its own query parameter (?units=3, ?red=2), never one table of
// everything.

import (
	"net/http"
	"strconv"
)

// pageRows is how many rows a list shows at a time.
const pageRows = 20

// pager says which page of a list is shown and links to its neighbours.
type pager struct {
	Page, Pages, Total int
	From, To           int    // the rows shown, from 1
	Prev, Next         string // addresses of the neighbouring pages; "" at the ends
}

// pageOf returns the page of items that query parameter param of r asks
// for (the first when absent or unreadable, the last when past it), and
// its pager, whose links keep the rest of the address and return to the
// list's anchor.
func pageOf[T any](r *http.Request, param, anchor string, items []T) ([]T, pager) {
	p := pager{Total: len(items), Pages: max((len(items)+pageRows-1)/pageRows, 1)}
	p.Page, _ = strconv.Atoi(r.URL.Query().Get(param))
	p.Page = min(max(p.Page, 1), p.Pages)
	from, to := (p.Page-1)*pageRows, min(p.Page*pageRows, len(items))
	p.From, p.To = from+1, to
	link := func(page int) string {
		q := r.URL.Query()
		q.Set(param, strconv.Itoa(page))
		return r.URL.Path + "?" + q.Encode() + "#" + anchor
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	return items[from:to], p
}
