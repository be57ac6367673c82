package policy

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// A PDF's centred promulgation lines hold spaces between digits and
// characters; counted in characters they look as long as the body's lines
// and were joined into one. Counted in cells, as the page sets them, they
// stay apart while the body's wrapped lines join.
func TestUnwrapMeasuresCells(t *testing.T) {
	lines := []string{
		"地方各级人民政府机构设置和编制管理条例",
		"2007 年 2 月 14 日 国务院第 169 次常务会议通过",
		"2007 年 2 月 24 日 中华人民共和国国务院令第 486 号公布",
		"第一章 总则",
		"第一条　为了规范地方各级人民政府机构设置，加强编制管理，提高行政效能，",
		"根据宪法、地方各级人民代表大会和地方各级人民政府组织法，制定本条例。",
		"　　第二条　地方各级人民政府机构的设置、职责配置、编制核定以及对机构编制",
		"工作的监督管理，适用本条例。",
		"　　第三条　地方各级人民政府机构设置和编制管理工作，应当按照经济社会全面",
		"协调可持续发展的要求，适应全面履行职能的需要，遵循精简、统一、效能的原则。",
		"　　第四条　地方各级人民政府的机构编制工作，实行中央统一领导、地方分级管",
		"理的体制。",
	}
	got := unwrap(lines)
	want := []string{
		lines[0], lines[1], lines[2], lines[3],
		lines[4] + lines[5], lines[6] + lines[7], lines[8] + lines[9], lines[10] + lines[11],
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}
}

// Text copied out of a PDF viewer carries each page's number and running
// header where the page broke; they go, and the sentence they cut joins.
func TestDropPageBreaks(t *testing.T) {
	text := strings.Join([]string{
		"政府督查工作条例",
		"",
		"　　第一条　为了加强和规范政府督查工作，保障政令畅通，提高行政效能",
		"，推进廉政建设，健全行政监督制度，制定本条例。",
		"　　第四条　政府督查内容包括：",
		"　　（一）党中央、国务院重大决策部署落实情况；",
		"　　（二）上级和本级人民政府重要工作部署落实情况；",
		"　　第 二 十 三 条　督查工作中发现公职人员涉嫌贪污贿赂、失职渎职等职",
		"",
		"- 1 -",
		"",
		"政府督查工作条例",
		"务违法或者职务犯罪的问题线索，政府督查机构应当移送监察机关，由监察",
		"机关依法调查处置。",
		"　　第二十四条　政府督查机构及督查人员违反本条例规定，滥用职权、徇私",
		"舞弊、玩忽职守的，依法依规给予处理。",
		"",
		"- 2 -",
		"",
		"政府督查工作条例",
		"　　第二十五条　督查对象及其工作人员不得阻碍督查工作，不得隐瞒实情、",
		"弄虚作假。",
		"",
		"- 3 -",
	}, "\n")
	doc, err := Parse("督查.txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"第一条为了加强和规范政府督查工作，保障政令畅通，提高行政效能，推进廉政建设，健全行政监督制度，制定本条例。",
		"第四条政府督查内容包括：",
		"（一）党中央、国务院重大决策部署落实情况；",
		"（二）上级和本级人民政府重要工作部署落实情况；",
		"第二十三条督查工作中发现公职人员涉嫌贪污贿赂、失职渎职等职务违法或者职务犯罪的问题线索，政府督查机构应当移送监察机关，由监察机关依法调查处置。",
		"第二十四条政府督查机构及督查人员违反本条例规定，滥用职权、徇私舞弊、玩忽职守的，依法依规给予处理。",
		"第二十五条督查对象及其工作人员不得阻碍督查工作，不得隐瞒实情、弄虚作假。",
	}
	if doc.Title != "政府督查工作条例" {
		t.Errorf("title %q", doc.Title)
	}
	if got := strings.Join(doc.Paragraphs, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s", got)
	}
	// One page number is no page break: a lone "3" stays text's business.
	lines := []string{"甲", "", "- 3 -", "", "乙"}
	if got := dropPageBreaks(lines); len(got) != len(lines) {
		t.Errorf("one page number: %q", got)
	}
}

// A page saved from a government site: the menu and breadcrumb in <div>s
// (not <nav>), the headline in a <div> and in a <title> followed by the
// column and the site, a byline, article numbers in brackets, related links
// and a footer. Only the headline and the articles remain.
func TestParseGovernmentPage(t *testing.T) {
	page := `<html><head><title>政府督查工作条例_政策法规_中国政府网</title></head><body>
<div class="menu"><ul><li><a href="/">首页</a></li><li><a href="/zhengce">政策</a></li><li><a>互动</a></li></ul></div>
<div class="crumb"><a href="/">首页</a> &gt; <a href="/zhengce">政策</a> &gt; <a>政策法规</a></div>
<div class="title">政府督查工作条例</div>
<div class="date">2020-12-26 10:00 来源： 新华社 <span>字号：<a>大</a> <a>中</a> <a>小</a></span> <span>打印本页</span></div>
<div class="share">分享到：<a>微信</a> <a>微博</a></div>
<div class="content">
<p>　　【第一条】为了加强和规范政府督查工作，制定本条例。</p>
<p>　　［第二条］本条例所称政府督查，是指县级以上人民政府组织开展的监督检查。</p>
</div>
<div class="editor">【我要纠错】 责任编辑：王洋</div>
<div class="related"><div>相关稿件</div><ul><li><a>国务院办公厅关于进一步优化营商环境的意见</a> 2019-03-10</li></ul></div>
<div><a>打印本页</a> <a>关闭窗口</a></div>
<div>版权所有：中国政府网 | 中华人民共和国国务院办公厅</div>
</body></html>`
	doc, err := Parse("督查.html", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "政府督查工作条例" || doc.Date != "2020-12-26" {
		t.Errorf("title %q, date %q", doc.Title, doc.Date)
	}
	want := "第一条为了加强和规范政府督查工作，制定本条例。\n第二条本条例所称政府督查，是指县级以上人民政府组织开展的监督检查。"
	if got := strings.Join(doc.Paragraphs, "\n"); got != want {
		t.Errorf("got\n%s", got)
	}
	// Without a line repeating it, the headline is the <title>'s first part.
	if got := pageHeadline("关于做好2025年机构编制统计工作的通知 - 某市人民政府", nil); got != "关于做好2025年机构编制统计工作的通知" {
		t.Errorf("pageHeadline = %q", got)
	}
}

// An article's number in brackets or bold ("**第五条**", as pasted from a
// chat) starts the article as 第五条 does; the distribution block under an
// official document (抄送, 印发) is no text of it.
func TestArticleLabelsAndDistribution(t *testing.T) {
	text := "某市机构编制管理办法\n\n**第一条** 为了规范机构编制管理，制定本办法。\n【第 二 条】本办法适用于全市。\n\n抄送：市委各部门，市人大常委会办公室。\n某市人民政府办公室　　2025年3月18日印发\n"
	doc, err := Parse("办法.txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := "第一条为了规范机构编制管理，制定本办法。\n第二条本办法适用于全市。"
	if got := strings.Join(doc.Paragraphs, "\n"); got != want {
		t.Errorf("got\n%s", got)
	}
	secs := sections(doc.Paragraphs)
	if len(secs) != 2 || !strings.HasSuffix(secs[1].heading, "第二条") {
		t.Errorf("sections %+v", secs)
	}
}

// A break that puts an article's number first in the line where a sentence
// refers to it does not start an article there.
func TestUnwrapKeepsArticleReferences(t *testing.T) {
	lines := []string{
		"第二十六条　违反本条例规定的，由登记管理机关责令限期改正。逾期不改正的，依照本条例",
		"第十九条的规定予以处罚；情节严重的，由审批机关撤销批准并收缴证书和印章。",
		"第二十七条　登记管理机关的工作人员滥用职权、徇私舞弊的，依法给予行政处分；构成",
		"犯罪的，依法追究刑事责任。",
		"第二十八条　事业单位登记管理的具体办法，由国务院机构编制管理机关依照本条例",
		"另行制定；本条例施行前已经成立的事业单位，应当自本条例施行之日起一年内办理",
		"登记。",
		"第二十九条　本条例自发布之日起施行。",
	}
	got := unwrap(lines)
	want := []string{lines[0] + lines[1], lines[2] + lines[3], lines[4] + lines[5] + lines[6], lines[7]}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}
}

// A city site's page on an older CMS: the index table above the document
// (信息索引, one cell a line), a <title> joined to the site by a bare dash,
// 【打印】【关闭】 under the text.
func TestParseIndexTablePage(t *testing.T) {
	page := `<html><head><title>某市机构编制管理办法-某市人民政府门户网站</title></head><body>
<table><tr><td>当前位置：<a>首页</a> &gt;&gt; <a>政务公开</a></td></tr></table>
<table><tr><td>索引号：</td><td>11330100002490000X/2021-00123</td><td>主题分类：</td><td>综合政务</td></tr>
<tr><td>发文机关：</td><td>某市人民政府办公厅</td><td>成文日期：</td><td>2021年05月10日</td></tr>
<tr><td>标　　题：</td><td>某市机构编制管理办法</td></tr>
<tr><td>发文字号：</td><td>某政办发〔2021〕12号</td></tr></table>
<table><tr><td><b>某市机构编制管理办法</b></td></tr>
<tr><td><strong>第一条</strong>&nbsp;&nbsp;为了规范机构编制管理，制定本办法。<br>&nbsp;&nbsp;&nbsp;&nbsp;<strong>第二条</strong>&nbsp;&nbsp;本办法适用于全市。</td></tr>
<tr><td>【<a>打印</a>】【<a>关闭</a>】</td></tr></table></body></html>`
	doc, err := Parse("办法.html", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "某市机构编制管理办法" || doc.Date != "2021年05月10日" {
		t.Errorf("title %q, date %q", doc.Title, doc.Date)
	}
	want := "第一条为了规范机构编制管理，制定本办法。\n第二条本办法适用于全市。"
	if got := strings.Join(doc.Paragraphs, "\n"); got != want {
		t.Errorf("got\n%s", got)
	}
	// A dash inside a headline the page does not repeat is no separator.
	if got := pageHeadline("某市2021-2025年机构编制规划", nil); got != "某市2021-2025年机构编制规划" {
		t.Errorf("pageHeadline = %q", got)
	}
}

// Text and pages are read in the encoding they were saved in: GBK from
// Notepad on Chinese Windows, UTF-16 ("Unicode" in Notepad), a page declared
// gb2312 or not declared at all.
func TestParseEncodings(t *testing.T) {
	const text = "第一条　为了规范机构编制管理，制定本办法。"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	utf16le, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	page := func(head string, body []byte) []byte {
		return append(append([]byte("<html><head>"+head+"</head><body><p>"), body...), "</p></body></html>"...)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"gbk.txt", gbk},
		{"utf16.txt", utf16le},
		{"bom.txt", append([]byte("\xEF\xBB\xBF"), text...)},
		{"gb2312.html", page(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, gbk)},
		{"undeclared.html", page("", gbk)},
	} {
		doc, err := Parse(c.name, c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Join(doc.Paragraphs, "\n"); got != "第一条为了规范机构编制管理，制定本办法。" {
			t.Errorf("%s: %q", c.name, got)
		}
	}
}

// A page printed to PDF from a browser or an office suite: the site's menu
// above the headline, one bulleted word a line. The words go and the
// headline is the title.
func TestParsePrintedPageMenu(t *testing.T) {
	text := "• 首页\n• 政策\n• 互动\n• 服务\n• 数据\n• 政务公开\n• 办事服务\n• 互动交流\n• 数据发布\n政府督查工作条例\n第一条　为了加强和规范政府督查工作，制定本条例。\n• 第二条　本条例所称政府督查，是指监督检查。\n"
	doc, err := Parse("printed.txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "政府督查工作条例" {
		t.Errorf("title %q", doc.Title)
	}
	want := "第一条为了加强和规范政府督查工作，制定本条例。\n第二条本条例所称政府督查，是指监督检查。"
	if got := strings.Join(doc.Paragraphs, "\n"); got != want {
		t.Errorf("got\n%s", got)
	}
}

// An index label whose value cell is empty does not take the text below it.
func TestIndexLabelWithoutValue(t *testing.T) {
	text := "某市机构编制管理办法\n索引号：\n113301/2021-00123\n发文字号：\n第一条　为了规范机构编制管理，制定本办法。\n本办法由市政府办公室负责解释并印发\n"
	doc, err := Parse("办法.txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := "第一条为了规范机构编制管理，制定本办法。\n本办法由市政府办公室负责解释并印发"
	if got := strings.Join(doc.Paragraphs, "\n"); got != want {
		t.Errorf("got\n%s", got)
	}
}

// An article of a WeChat public account saved from the browser: the
// platform's lines around the text go, its byline dates the document.
func TestParseWeChatArticle(t *testing.T) {
	page := `<html><head><title>政府督查工作条例</title></head><body><h1 class="rich_media_title">
政府督查工作条例
</h1><div id="meta_content"><span>原创</span> <span>编办小编</span> <a id="js_name">机构编制在线</a> <em id="publish_time">2021-05-12 18:00</em> <em>发表于浙江</em></div>
<div id="js_content"><section><p><span>点击蓝字 关注我们</span></p></section>
<section><p><span><strong>第一条</strong>　为了加强和规范政府督查工作，制定本条例。</span></p></section></div>
<div>收录于合集 #政策法规 12个</div><a>阅读原文</a><div>预览时标签不可点</div>
<div><p>微信扫一扫<br>关注该公众号</p></div><div><span>分享</span><span>收藏</span><span>点赞</span><span>在看</span></div><div>写留言</div></body></html>`
	doc, err := Parse("wechat.html", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "政府督查工作条例" || doc.Date != "2021-05-12" {
		t.Errorf("title %q, date %q", doc.Title, doc.Date)
	}
	if got := strings.Join(doc.Paragraphs, "\n"); got != "第一条为了加强和规范政府督查工作，制定本条例。" {
		t.Errorf("got\n%s", got)
	}
}
