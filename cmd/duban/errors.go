package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
)

// plainError is err as a person at the command line reads it. A file the
// system could not open, write or find is said in Chinese, naming the
// directory when it is the directory that is missing (a temporary file's
// name means nothing to them); the rest of the message is kept.
func plainError(err error) string {
	msg := err.Error()
	pe, ok := errors.AsType[*fs.PathError](err)
	if !ok {
		return msg
	}
	words := pathWords(pe)
	if !ownWords(strings.Replace(msg, pe.Error(), "", 1)) {
		return words // an English chain around it says nothing more
	}
	if i := strings.Index(msg, pe.Error()); i >= 0 {
		return msg[:i] + words + msg[i+len(pe.Error()):]
	}
	return msg + "（" + words + "）"
}

// pathWords says what went wrong with pe's file.
func pathWords(pe *fs.PathError) string {
	p := pe.Path
	switch {
	case errors.Is(pe.Err, fs.ErrNotExist):
		if dir := filepath.Dir(p); dir != "." {
			if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
				return "目录 " + dir + " 不存在"
			}
		}
		return "找不到 " + p + "（文件不存在）"
	case errors.Is(pe.Err, fs.ErrPermission):
		return "没有权限访问 " + p
	case errors.Is(pe.Err, syscall.ENOSPC):
		return "磁盘已满，无法写入 " + p
	case errors.Is(pe.Err, syscall.EROFS):
		return p + " 在只读文件系统上，无法写入"
	case errors.Is(pe.Err, syscall.EISDIR):
		return p + " 是目录，这里需要文件"
	case errors.Is(pe.Err, syscall.ENOTDIR):
		return p + " 的路径中有一段不是目录"
	}
	return "无法访问 " + p + "：" + pe.Err.Error()
}

// ownWords reports whether msg, paths aside (they may be Chinese), holds
// Chinese words: context duban wrote that is worth keeping.
func ownWords(msg string) bool {
	for _, f := range strings.Fields(msg) {
		if !strings.ContainsAny(f, `/\`) && strings.ContainsFunc(f, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			return true
		}
	}
	return false
}
