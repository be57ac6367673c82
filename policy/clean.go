package policy

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duban-org/duban"
)

// chromeLine matches lines of web-page furniture: navigation, search boxes,
// greetings, footers, registration numbers, contact and copyright lines.
// They must never become answers.
var chromeLine = []*regexp.Regexp{
	regexp.MustCompile(`^无标题文档$`),
	regexp.MustCompile(`欢迎您|欢迎访问|欢迎光临`),
	regexp.MustCompile(`站内搜索|全站搜索|搜索：?$|^搜\s*索$|高级搜索`),
	regexp.MustCompile(`(您|你)现在的位置|当前位置|所在位置|^首页\s*[>＞»/]|[>＞»]\s*首页`),
	regexp.MustCompile(`(?i)ICP\s*(备|证)|公网安备|网站标识码|政府网站找错`),
	regexp.MustCompile(`^(联系)?(地址|电话|传真|邮编|邮政编码|电子邮箱|邮箱|E-?mail|联系方式|联系我们)\s*[:：]`),
	regexp.MustCompile(`(电话|传真)\s*[:：]?\s*[(（]?\d{3,4}[)）-]?\d{7,8}`),
	regexp.MustCompile(`(?i)版权所有|copyright|©|all rights reserved|主办\s*[|｜]|^主办\s*[:：]|承办\s*[:：]|技术支持\s*[:：]|(主办|承办)$`),
	regexp.MustCompile(`^(打印本页|关闭窗口|返回顶部|返回首页|收藏本站|设为首页|加入收藏|分享到|上一篇|下一篇|相关链接|友情链接|网站地图)`),
	regexp.MustCompile(`【?\s*字[体号]\s*[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小`),
	regexp.MustCompile(`(浏览|阅读|点击)(次数|量|数)\s*[:：]`),
}

var (
	dateLine   = regexp.MustCompile(`^(?:(?:发布|发文|成文|印发)?(?:时间|日期)\s*[:：]\s*)(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)`)
	bareDate   = regexp.MustCompile(`^(\d{4}年\d{1,2}月\d{1,2}日)$`)
	sourceLine = regexp.MustCompile(`^(来源|作者|信息来源|文章来源|责任编辑|编辑)\s*[:：]`)
	// A contributor's credit glued to the last sentence ("……保障。咸宁市编办供稿").
	creditTail = regexp.MustCompile(`([。！？])[^。！？]{2,20}(供稿|来稿|撰稿)$`)
)

// isChrome reports whether a (trimmed) line is page furniture. Long lines are
// prose even if they mention a phone number or the word 主办.
func isChrome(line string) bool {
	folded := duban.FoldWidth(line)
	if utf8.RuneCountInString(folded) > 120 {
		return false
	}
	for _, re := range chromeLine {
		if re.MatchString(folded) {
			return true
		}
	}
	return false
}

// tidySpaces collapses runs of white space and drops the spaces that a
// scraper leaves between Chinese characters ("“大科室” 制改革").
func tidySpaces(s string) string {
	fields := strings.FieldsFunc(s, unicode.IsSpace)
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(fields[i-1])
			next, _ := utf8.DecodeRuneInString(f)
			if prev < 0x80 && next < 0x80 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(f)
	}
	return b.String()
}

// clean removes page chrome, extracts the title and date, and returns the
// body paragraphs.
func clean(lines []string, titleHint string) Document {
	doc := Document{Title: tidyTitle(titleHint)}
	var kept []string
	for _, raw := range lines {
		line := strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(raw, "\uFFFD"), "\u00a0", " "))
		if line == "" || isChrome(line) {
			continue
		}
		folded := duban.FoldWidth(line)
		if m := dateLine.FindStringSubmatch(folded); m != nil {
			if doc.Date == "" {
				doc.Date = strings.Join(strings.Fields(m[1]), "")
			}
			continue
		}
		if m := bareDate.FindStringSubmatch(strings.Join(strings.Fields(folded), "")); m != nil {
			if doc.Date == "" {
				doc.Date = m[1]
			}
			continue
		}
		if sourceLine.MatchString(folded) && utf8.RuneCountInString(line) < 60 {
			continue
		}
		kept = append(kept, line)
	}
	// The headline is the first short line that is neither a sentence nor a
	// section heading, among the first few lines.
	if doc.Title == "" {
		for i, l := range kept {
			if i >= 4 {
				break
			}
			if looksLikeTitle(l) {
				doc.Title = tidyTitle(l)
				kept = append(kept[:i:i], kept[i+1:]...)
				break
			}
		}
	} else if len(kept) > 0 && tidyTitle(kept[0]) == doc.Title {
		kept = kept[1:]
	}
	for _, l := range kept {
		l = tidySpaces(l)
		l = creditTail.ReplaceAllString(l, "$1")
		if l != "" {
			doc.Paragraphs = append(doc.Paragraphs, l)
		}
	}
	return doc
}

func tidyTitle(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

func looksLikeTitle(l string) bool {
	n := utf8.RuneCountInString(l)
	if n < 4 || n > 80 {
		return false
	}
	if strings.ContainsAny(l, "。；，,;") {
		return false
	}
	if _, _, _, ok := parseHeading(l); ok {
		return false
	}
	return true
}
