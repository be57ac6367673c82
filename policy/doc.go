// Package policy answers policy questions (政策问答) from the reform
// documents, with citations.
//
// Documents (.txt, .md, .html, .docx) are cleaned of web-page chrome,
// cut along their own structure (第X章, 一、, （一）, 1., 第X条) into passages
// of about 300–600 characters that keep their heading path, and stored
// through package store. Retrieval is BM25 over Han-character bigrams, ASCII
// words and numbers (a figure also indexed with its measure word, "84家"),
// with a bonus for longer exact runs of the question and a document-level
// bonus for terms that tell look-alike documents apart (a city's name). With
// an Embedder, vector and BM25 rankings are fused by reciprocal rank. A
// question whose words the best passages barely cover is declined rather
// than guessed at. Answers are either written by a Writer from the passages
// or extracted from them, and always name their sources as 《title》section.
package policy
