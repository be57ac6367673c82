package config

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// The configuration's errors are read by the person who wrote the file:
// each says, in plain Chinese, the file, the line and the key, and what to
// write instead. This file holds their wording.

// at names a place in the configuration: "duban.toml 第 3 行", the file
// alone when the line is not known, or the defaults when there is no file.
func at(file string, line int) string {
	switch {
	case file == "":
		return "内置默认配置"
	case line > 0:
		return fmt.Sprintf("%s 第 %d 行", file, line)
	}
	return file
}

// readError says why a file could not be read: "duban.toml：文件不存在".
func readError(path string, err error) error {
	why := "无法读取"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		why = "文件不存在"
	case errors.Is(err, fs.ErrPermission):
		why = "没有读取权限"
	case strings.Contains(err.Error(), "is a directory"):
		why = "这是一个目录，不是文件"
	}
	return &fileError{msg: fmt.Sprintf("%s：%s", path, why), err: err}
}

// fileError is a file that could not be read, in words; errors.Is still
// finds fs.ErrNotExist and the like underneath.
type fileError struct {
	msg string
	err error
}

func (e *fileError) Error() string { return e.msg }
func (e *fileError) Unwrap() error { return e.err }

// typeError is the decoder's error for a value of the wrong type.
var typeError = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): incompatible types: TOML value has type (\S+); destination has type (.+)$`)

// tomlTypes names TOML's value types (as the decoder reports them, and as
// the destination fields want them) the way a person writes them.
var tomlTypes = map[string]string{
	"string": "字符串（用英文双引号括起的文字）", "int64": "整数", "integer": "整数", "float64": "小数", "float": "数字",
	"bool": "true 或 false", "boolean": "true 或 false", "[]any": "列表 [ … ]", "[]interface {}": "列表 [ … ]", "slice": "列表 [ … ]",
	"map[string]any": "一节 { … }", "map[string]interface {}": "一节 { … }", "map": "一节（[名称] 或 { … }）",
	"time.Time": "日期时间", "primitive (string-like)": "字符串（用英文双引号括起的文字）",
}

func typeName(t string) string {
	if n, ok := tomlTypes[t]; ok {
		return n
	}
	return t
}

// decodeError words an error of the TOML parser or decoder, for path
// whose content is raw.
func decodeError(path string, raw []byte, err error) error {
	if m := typeError.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		key := m[2]
		if secretOnLine(raw, line) != "" {
			return fmt.Errorf("%s，%s：应写%s（该行是密钥，内容不予显示）", at(path, line), key, typeName(m[4]))
		}
		return fmt.Errorf("%s，%s：应写%s，这里写的是%s", at(path, line), key, typeName(m[4]), typeName(m[3]))
	}
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("配置文件 %s 无法解析：%w", path, err)
	}
	line := pe.Position.Line
	where := at(path, line)
	if pe.Position.Col > 0 {
		where += fmt.Sprintf("第 %d 列", pe.Position.Col)
	}
	if key := secretOnLine(raw, line); key != "" {
		// The parser's message may quote the value: say how to write it.
		return fmt.Errorf("%s：%s 的值写法有误：字符串须用英文双引号括起，如 %s = \"…\"（该行是密钥，内容不予显示）", where, key, key)
	}
	if pe.LastKey != "" && isOwn(pe.Message) {
		return fmt.Errorf("%s，%s：%s", where, pe.LastKey, pe.Message) // our own UnmarshalText's words
	}
	return fmt.Errorf("%s：%s", where, syntaxWords(lineOf(raw, line), pe.Message))
}

// isOwn reports whether a decoder message is one this package wrote (in
// Chinese) rather than the parser's.
func isOwn(msg string) bool {
	return strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
}

// syntaxWords says what is wrong with a line the parser refused, and how
// to write it.
func syntaxWords(line, msg string) string {
	switch {
	case strings.ContainsAny(line, "“”‘’"):
		return "引号须用英文双引号 \"，不能用中文引号“”"
	case strings.ContainsRune(line, '＝'):
		return "等号须用英文 =，不能用全角＝"
	case strings.Contains(msg, "has already been defined") || strings.Contains(msg, "already created"):
		return "同一配置项或同一节重复写了两次，请删去一处"
	case strings.Contains(msg, "expected '.' or ']'") || strings.Contains(msg, "table name") || strings.Contains(msg, "table array name"):
		return "节名写法有误，应写成 [store] 这样，独占一行"
	case strings.Contains(msg, "NULL bytes") || strings.Contains(msg, "UTF-8"):
		return "配置文件须用 UTF-8 编码保存（记事本“另存为”时选 UTF-8）"
	case strings.Contains(msg, "expected '\"'") || strings.Contains(msg, `expected "'"`) || strings.Contains(msg, "strings cannot contain newlines"):
		return "引号没有配对：字符串须在同一行内用英文双引号括起，如 dir = \"./data\""
	case strings.Contains(msg, "key separator") || strings.Contains(msg, "expected '.' or '='") || strings.Contains(msg, "key name appears blank"):
		return "每行应写成「配置项 = 值」，如 dir = \"./data\""
	case strings.Contains(msg, "array terminator") || strings.Contains(msg, "inline table terminator") || strings.Contains(msg, "unexpected comma"):
		return "列表 [ … ] 或 { … } 的括号、逗号不配对"
	}
	return "值的写法有误：文字须用英文双引号括起（如 dir = \"./data\"），数字和 true/false 不加引号，时长写成 \"30s\"、\"5m\"、\"2h\""
}

// lineOf returns line n (1-based) of raw, or "".
func lineOf(raw []byte, n int) string {
	lines := strings.Split(string(raw), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}
