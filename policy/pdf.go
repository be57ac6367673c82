package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// PDF text comes from PDFium compiled to WebAssembly and run by wazero (pure
// Go, no cgo): the engine that reads CID fonts, ToUnicode maps and the
// predefined Adobe-GB1 encodings (UniGB-UCS2-H, GBK-EUC-H) as Chrome does.
// It is compiled at the first PDF and kept for the life of the process.
var pdfEngine struct {
	once sync.Once
	pool pdfium.Pool
	err  error
}

// Errors for PDFs that cannot be ingested; the messages are for the person
// who gave the file.
var (
	ErrPDFNoText    = errors.New("该PDF没有文字层（可能是扫描件），请提供文字版")
	ErrPDFEncrypted = errors.New("该PDF已加密，请提供未加密的文件")
	ErrPDFCorrupt   = errors.New("无法读取该PDF（文件损坏或不是PDF）")
)

// pdfTimeout bounds the wait for the engine and the work on one file.
const pdfTimeout = 2 * time.Minute

func pdfPool() (pdfium.Pool, error) {
	pdfEngine.once.Do(func() {
		// The bundled module needs WebAssembly exception handling; it sees
		// no file system (documents are handed over as bytes). Its
		// machine code is cached on disk when a cache directory exists,
		// so only the first PDF on a machine pays for compiling it.
		rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
		if dir, err := os.UserCacheDir(); err == nil {
			if cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(dir, "duban", "pdfium")); err == nil {
				rc = rc.WithCompilationCache(cache)
			}
		}
		pdfEngine.pool, pdfEngine.err = webassembly.Init(webassembly.Config{MaxIdle: 1, MaxTotal: 1, ReuseWorkers: true, RuntimeConfig: rc, FSConfig: wazero.NewFSConfig()})
		if pdfEngine.err != nil {
			pdfEngine.err = fmt.Errorf("start the PDF engine (PDFium): %w", pdfEngine.err)
		}
	})
	return pdfEngine.pool, pdfEngine.err
}

// pdfLines returns the text lines of a PDF, page after page, without the
// running headers, footers and page numbers that repeat on its pages.
func pdfLines(data []byte) ([]string, error) {
	if len(data) == 0 {
		return nil, ErrPDFCorrupt
	}
	pool, err := pdfPool()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), pdfTimeout)
	defer cancel()
	inst, err := pool.GetInstanceWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("PDF engine busy: %w", err)
	}
	defer inst.Close()
	doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	switch {
	case errors.Is(err, pdfiumerrors.ErrPassword) || errors.Is(err, pdfiumerrors.ErrSecurity):
		return nil, ErrPDFEncrypted
	case err != nil:
		return nil, ErrPDFCorrupt
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPDFCorrupt, err)
	}
	var pages [][]string
	for i := range count.PageCount {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read PDF: %w", err)
		}
		text, err := inst.GetPageText(&requests.GetPageText{Page: requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: i}}})
		if err != nil {
			return nil, fmt.Errorf("%w: page %d: %v", ErrPDFCorrupt, i+1, err)
		}
		s := strings.ReplaceAll(strings.ReplaceAll(text.Text, "\r\n", "\n"), "\r", "\n")
		pages = append(pages, strings.Split(s, "\n"))
	}
	lines := dropRunningLines(pages)
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return lines, nil
		}
	}
	return nil, ErrPDFNoText
}

// dropRunningLines joins the pages' lines, leaving out page numbers and the
// header and footer lines that stand first or last on most pages. A running
// line goes once a page: a header that repeats the document's name stands
// above the headline itself on the first page, and the headline stays.
func dropRunningLines(pages [][]string) []string {
	edge := map[string]int{}
	for _, p := range pages {
		seen := map[string]bool{}
		for _, l := range edgeLines(p) {
			if k := runningKey(l); !seen[k] {
				seen[k] = true
				edge[k]++
			}
		}
	}
	var out []string
	for _, p := range pages {
		edges := map[string]bool{}
		for _, l := range edgeLines(p) {
			edges[l] = true
		}
		dropped := map[string]bool{}
		for _, l := range p {
			t := strings.TrimSpace(l)
			if pageNumber.MatchString(t) {
				continue
			}
			if k := runningKey(l); edges[l] && !dropped[k] && len(pages) >= 3 && 2*edge[k] > len(pages) {
				dropped[k] = true
				continue
			}
			out = append(out, l)
		}
	}
	return out
}

// edgeLines are the first two and last two non-blank lines of a page.
func edgeLines(page []string) []string {
	var nonBlank []string
	for _, l := range page {
		if strings.TrimSpace(l) != "" {
			nonBlank = append(nonBlank, l)
		}
	}
	if len(nonBlank) <= 4 {
		return nonBlank
	}
	return append(nonBlank[:2:2], nonBlank[len(nonBlank)-2:]...)
}

// runningKey identifies a running line across pages: its text without digits
// (the page number changes).
func runningKey(l string) string {
	return strings.Map(func(r rune) rune {
		if isDigit(r) || r == ' ' {
			return -1
		}
		return r
	}, l)
}
