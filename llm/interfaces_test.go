package llm_test

import (
	"github.com/duban-org/duban/llm"
	"github.com/duban-org/duban/policy"
	"github.com/duban-org/duban/remind"
)

// The client plugs into the packages that use it without adapters where
// their interfaces allow (policy.Writer and handlers.Interpreter take those
// packages' own types; see the adapters in the package documentation).
var (
	_ policy.Embedder = (*llm.Client)(nil)
	_ remind.Framer   = (*llm.Client)(nil)
)
