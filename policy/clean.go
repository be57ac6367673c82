package policy

import (
	"regexp"
	"slices"
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
	regexp.MustCompile(`^【?(我要纠错|纠错)】?`),
	// A WeChat public account's article: what the platform sets around it.
	regexp.MustCompile(`^点击.{0,6}(蓝字|关注)|^收录于(合集|话题)|预览时标签不可点|^微信扫一扫|关注该公众号|^((分享|收藏|点赞|在看|赞|推荐|写留言|留言)\s*)+$`),
	regexp.MustCompile(`^([【\[]?\s*(打印本页|打印|关闭窗口|关闭|返回顶部|返回|收藏|纠错)\s*[】\]]?\s*)+$`),
	// The distribution block under an official document: "抄送：……",
	// "国务院办公厅秘书局　2019年3月18日印发".
	regexp.MustCompile(`^抄\s*送\s*[:：]|^\p{Han}{0,30}(办公厅|办公室|秘书局|秘书处|秘书科|文印室)\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*印\s*发$`),
	regexp.MustCompile(`^(打印本页|关闭窗口|返回顶部|返回首页|收藏本站|设为首页|加入收藏|分享到|上一篇|下一篇|相关链接|友情链接|网站地图)`),
	regexp.MustCompile(`【?\s*字[体号]\s*[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小`),
	regexp.MustCompile(`(浏览|阅读|点击)(次数|量|数)\s*[:：]`),
	// Page numbers of a printed or PDF page: "- 3 -", "第3页 共12页".
	pageNumber,
	// A navigation bar: "宜昌新闻网 | 首页 | 时政 | 民生".
	regexp.MustCompile(`^([^\s|｜]{1,10}\s*[|｜]\s*){2,}[^\s|｜]{1,10}$`),
	// Comment markers left in published text, and "read more" links.
	regexp.MustCompile(`^<!--.*-->$`),
	regexp.MustCompile(`^(阅读剩余全文|展开全文|查看全文|点击查看全文|阅读全文|继续阅读|打开APP|下载客户端)`),
	regexp.MustCompile(`^(分享|分享到|扫一扫|扫码)[:：]?\s*(微信|微博|QQ|朋友圈|$)`),
	// Bylines: "■ 首席记者 王晓东 通讯员 李明", "本报记者 张三".
	regexp.MustCompile(`^[■□●◆▲☆★]`),
	regexp.MustCompile(`^(本报|本台|本刊|新华社|中新网)?(首席|特约|见习|实习)?(记者|通讯员)\s*\p{Han}{2,4}([\s、，,]+(首席|特约|见习|实习)?(记者|通讯员)?\s*\p{Han}{2,4})*$`),
}

var pageNumber = regexp.MustCompile(`^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$`)

// relatedHeading opens a list of links to other articles; it and the short
// lines after it are dropped.
var relatedHeading = regexp.MustCompile(`^(相关阅读|相关新闻|相关文章|相关报道|相关链接|相关稿件|相关文件|相关政策|相关解读|推荐阅读|延伸阅读|热点推荐|热门推荐|猜你喜欢|更多阅读|往期回顾)[:：]?$`)

var (
	dateLine = regexp.MustCompile(`^(?:(?:发布|发文|成文|印发)?(?:时间|日期)\s*[:：]\s*)(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)`)
	// A dateline of a news page: "2019-03-18 08:30 来源：三峡日报".
	// A WeChat article's byline: "原创 编办小编 机构编制在线 2021-05-12 18:00 发表于浙江".
	postedLine = regexp.MustCompile(`^[^。；，,]{0,40}?(\d{4}-\d{1,2}-\d{1,2})\s+\d{1,2}:\d{2}(:\d{2})?(\s*发表于\p{Han}{1,8})?$`)
	stampLine  = regexp.MustCompile(`^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})(\s+\d{1,2}:\d{2}(:\d{2})?)?(\s*(来源|作者|编辑|责编|浏览)[:：].*)?$`)
	bareDate   = regexp.MustCompile(`^(\d{4}年\d{1,2}月\d{1,2}日)$`)
	sourceLine = regexp.MustCompile(`^(来源|作者|信息来源|文章来源|责任编辑|编辑|责编|审核|审校|校对|监制|终审|初审|复审|摄影|供稿|通讯员|记者)\s*[:：]`)
	// A contributor's credit glued to the last sentence ("……保障。咸宁市编办供稿").
	creditTail = regexp.MustCompile(`([。！？])[^。！？]{2,20}(供稿|来稿|撰稿)$`)
)

// indexLabel is a label of the index table above a government document
// (信息索引), with its value when it stands on the same line.
var indexLabel = regexp.MustCompile(`^(索引号|主题分类|体裁分类|组配分类|服务对象|发文机关|发布机构|成文日期|发布日期|生效日期|废止日期|有效性|标题|发文字号|文号|主题词)[:：](.*)$`)

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
	inRelated, skipValue := false, false
	for _, raw := range lines {
		line := strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(raw, "\uFFFD"), "\u00a0", " "))
		// A list's bullet, as a page printed to PDF shows its <li>.
		line = strings.TrimSpace(strings.TrimLeft(line, "•·▪◦‣∙"))
		plain := line
		if strings.HasPrefix(plain, headingMark) && len(plain) > len(headingMark) {
			plain = strings.TrimSpace(plain[len(headingMark)+1:])
		}
		if line == "" {
			continue
		}
		folded := duban.FoldWidth(plain)
		// A byline dates the page even where it also holds chrome
		// ("2019-03-18 来源：新华社 字号：大 中 小 打印本页").
		m := stampLine.FindStringSubmatch(folded)
		if m == nil {
			m = postedLine.FindStringSubmatch(folded)
		}
		if m != nil {
			if doc.Date == "" {
				doc.Date = m[1]
			}
			continue
		}
		if isChrome(plain) {
			continue
		}
		// The index table above a government document (信息索引):
		// "索引号：", "发文机关：某市人民政府办公厅", one cell a line.
		// A label standing alone takes its value, the next line, with
		// it; a date's value is left to date the document.
		if m := indexLabel.FindStringSubmatch(strings.Join(strings.Fields(folded), "")); m != nil {
			skipValue = m[2] == "" && !strings.Contains(m[1], "日期")
			continue
		}
		if skipValue {
			skipValue = false
			// A label left empty is followed by the next cell or the
			// text itself, which stays.
			if _, _, _, heading := parseHeading(plain); !heading && utf8.RuneCountInString(plain) <= 40 {
				continue
			}
		}
		if relatedHeading.MatchString(folded) {
			inRelated = true
			continue
		}
		if inRelated {
			if utf8.RuneCountInString(plain) <= 40 && !strings.ContainsAny(plain, "。；") {
				continue
			}
			inRelated = false
		}
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
	if doc.Title == "" {
		doc.Title, kept = takeTitle(kept)
	} else {
		// The page repeats its headline at the top of the text (in an
		// index table too).
		bare := strings.Join(strings.Fields(doc.Title), "")
		n := min(8, len(kept))
		rest := kept[n:]
		kept = append(slices.DeleteFunc(kept[:n:n], func(l string) bool { return strings.Join(strings.Fields(l), "") == bare }), rest...)
	}
	for _, l := range kept {
		l = articleLabel.ReplaceAllString(tidySpaces(l), "$1")
		l = creditTail.ReplaceAllString(l, "$1")
		if l != "" {
			doc.Paragraphs = append(doc.Paragraphs, l)
		}
	}
	return doc
}

// articleLabel is an article's number set off by brackets or bold markers
// ("【第五条】", "[第五条]", "**第五条**"), as web pages and pasted text
// write it; the number alone starts the article.
var articleLabel = regexp.MustCompile(`^(?:【|\[|［|〔|\*\*|__)\s*(第[一二三四五六七八九十百零〇两\d]+条)\s*(?:】|\]|］|〕|\*\*|__)\s*`)

func tidyTitle(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

var (
	// issuerLine is the issuing authority's banner of an official document
	// ("荆门市机构编制委员会文件"); docNumberLine is its 文号 line.
	issuerLine    = regexp.MustCompile(`^\p{Han}{2,30}(文件|简报|公报)$`)
	docNumberLine = regexp.MustCompile(`^\p{Han}{1,12}[〔\[［(（【]\d{4}[〕\]］)）】]\s*\d+\s*号$`)
	// promulgationLine: "2007年2月24日 中华人民共和国国务院令第486号公布".
	promulgationLine = regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日.{0,60}(通过|公布|发布|施行|修订|修正)$`)
	// titleCont joins a two-line headline: "荆门市机构编制委员会" / "关于印发……的通知".
	titleCont = regexp.MustCompile(`^关于.{2,80}(通知|意见|决定|办法|方案|规定|报告|批复|请示|函|通报|细则|规则|纪要)$`)
)

// takeTitle finds the headline among the first lines: the first short line
// that is neither a sentence, a section heading, a banner, a 文号 nor a
// promulgation line. A headline set on two lines (issuer, then 关于……) is
// joined. The headline's lines are removed from the body.
func takeTitle(kept []string) (string, []string) {
	menu := menuLines(kept)
	var before []string // the lines above the headline that stay
	seen := 0
	for i, l := range kept {
		if seen >= 8 {
			break
		}
		if menu[i] {
			continue
		}
		folded := duban.FoldWidth(strings.Join(strings.Fields(l), ""))
		seen++
		if issuerLine.MatchString(folded) || docNumberLine.MatchString(folded) || promulgationLine.MatchString(folded) || !looksLikeTitle(l) {
			before = append(before, l)
			continue
		}
		title := tidyTitle(l)
		end := i + 1
		if !titleCont.MatchString(folded) && end < len(kept) && titleCont.MatchString(duban.FoldWidth(strings.TrimSpace(kept[end]))) {
			title = tidySpaces(title + kept[end])
			end++
		}
		return title, append(before, kept[end:]...)
	}
	return "", kept
}

// menuLines marks a site's menu printed above the headline: three or more
// lines in a row of a word or two each ("首页", "政务公开"), no number, no
// sign. A short line alone may be the headline itself ("试点方案").
func menuLines(kept []string) []bool {
	word := func(l string) bool {
		folded := duban.FoldWidth(strings.Join(strings.Fields(l), ""))
		n := utf8.RuneCountInString(folded)
		return n > 0 && n <= 6 && strings.IndexFunc(folded, func(r rune) bool { return !unicode.Is(unicode.Han, r) }) < 0
	}
	menu := make([]bool, len(kept))
	for i := 0; i < len(kept) && i < 40; {
		j := i
		for j < len(kept) && word(kept[j]) {
			j++
		}
		if j-i >= 3 {
			for k := i; k < j; k++ {
				menu[k] = true
			}
		}
		i = j + 1
	}
	return menu
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
