// Package policy answers policy questions (政策问答) from the reform
// documents, with citations.
//
// Documents (.txt, .md, .html, .docx, .pdf) are cleaned of page furniture
// (navigation, bylines, 责编 and 来源 lines, related-article lists, PDF
// page numbers and running heads), hard-wrapped lines are joined, the title
// is taken from the document, and the text is cut along its own structure
// (第X章, 第X条 with its items, 一、, （一）, 1.) into passages of at most 600
// characters that keep their heading path; the promulgation block above the
// body stays searchable. PDF text comes from PDFium compiled to WebAssembly
// (pdf.go). Passages are stored through package store.
//
// Retrieval is BM25 over Han-character bigrams, ASCII words and numbers, with
// a bonus for longer exact runs of the question and a document-level bonus
// for terms that tell look-alike documents apart; a document the question
// names by its title is preferred and its title's words do not pick the
// passage. With an Embedder, vector and BM25 rankings are fused by
// reciprocal rank.
//
// The answer is chosen sentence by sentence (choose.go): the question's kind
// (kind.go: a number, a date, a 文号, a person, a body, a rule) is
// recognised and the sentence holding an answer of that kind next to the
// question's words wins. The engine declines — rather than answer with a
// sentence that merely shares words — unless that sentence holds an answer
// of a strict kind when one is asked, says the kind of thing asked (asked.go:
// what a count is of, a sanction, a body beside its deed, a thing by name
// and whose it is, a rule for 怎么算), covers enough of the question with its
// article or paragraph, and comes from a document naming every place and
// year the question names. Answers are either written by a Writer from the
// passages or extracted from them, and always name their sources as
// 《title》section (《title》第X条 for a regulation).
package policy
