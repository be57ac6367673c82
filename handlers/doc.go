// Package handlers is the conversation: it understands a message (the command
// grammar, card clicks, or an LLM's tool call), checks the sender's rights
// through the domain, changes the ledger through the store, and words the
// replies and notifications. It never sees HTTP or Badger.
//
// One concern per file: handler.go dispatches; text.go routes a text
// message; grammar.go, dates.go, taskids.go, place.go (第3项: a place in
// the list last shown) and simplified.go (traditional characters) read it;
// question.go, followup.go, proposal.go, interpret.go, miss.go and help.go
// answer it; change.go, notices.go and card.go act and tell; tasks.go,
// record.go, undo.go, ack.go, bulletin.go and letters.go are the verbs with
// logic of their own.
package handlers
