// Package tasklist reads and writes the office's task list (台账): units,
// people and tasks as an .xlsx workbook or a directory of CSV files. It is
// pure parsing, validation and rendering over the domain types; the store
// decides what to keep.
//
// # Layout
//
// One sheet (or CSV file) each, named in Chinese or English; columns are
// found by header name in any order, and other sheets and columns are
// ignored. The header is the first of the top rows that carries every
// required column, so a title line above it is fine.
//
//	单位 / units    单位编码,单位名称,督办组               (code,name,group)
//	人员 / people   账号,姓名,角色,所属                    (userid,name,role,scope)
//	任务 / tasks    任务编号,单位编码,任务事项,完成时限,备注  (id,unit,title,deadline,note)
//	                optional: 状态,进展,最近更新,更新人     (status,progress,updated_at,updated_by)
//	历史 / history  written by an export, ignored on import
//
// 角色 is 一把手, 联络员, 督办组长 or 编办; 所属 is a unit code (or the unit's
// exact name) for 一把手 and 联络员, a group named in the units sheet for
// 督办组长, and ignored for 编办. The same 账号 on several rows is one person
// with several posts; WeCom userids ignore case, and so does the matching.
// Dates are 2017-12-31, 2017/12/31, 2017年12月31日 or workbook date cells.
// A task without 任务编号 gets GenerateID(unit, title). CSV files may be
// UTF-8 (with or without BOM) or GB18030, as Excel on Chinese Windows saves.
// Times (最近更新) are China Standard Time.
//
// # All or nothing
//
// Any bad row fails the whole read: the error is Problems, listing every
// problem with its file, sheet, row (as a spreadsheet shows it, the header
// being row 1) and column. A sheet whose header lacks a required column is
// reported as such and its rows are not checked further.
//
// # Re-import
//
// An import updates tasks by 任务编号 and never deletes (see Diff's Absent).
// Unit, title, deadline and note always come from the sheet. A task's
// status comes from the sheet only where its 状态 cell is filled in
// (Ledger.StatusSet): a plain office sheet without 状态 leaves every state
// and its history alone, while an export imported again restores the states.
// MergeTask is the rule; Diff applies it for --dry-run.
package tasklist
