#!/usr/bin/env python3
"""Write the six 条例 of ../../../../shared/policy-docs in the forms an office gets them.

    python3 make.py SRC_DIR OUT_DIR     # then soffice converts OUT_DIR/docx/*.docx to PDF (README.md)

docx/  Word documents as an office keeps them: the headline as a centred bold paragraph (no
       Title style), the article label in bold and a full-width space after it, a running header
       (the document's name) and a page-number footer (— PAGE —), a chapter's paragraphs held in
       one Word paragraph with manual line breaks (Shift+Enter, as text pasted from a web page
       ends up), and a 抄送/印发 block at the end.
docxnum/ the same with Word's own numbering, as a legislative office keeps a 条例: 第X条 and its
       items （X） from a multi-level list (chineseCounting), 第X章 from another
       (chineseCountingThousand); the numbers are in numbering.xml, not in the text.
html/  a page saved from a government site: header navigation in <div>s, a breadcrumb, the
       <title> with the site's suffix, the headline in a <div>, a byline (来源/发布时间/字号 大中小/
       打印本页/分享到), paragraphs indented with full-width spaces, article labels written
       【第五条】, related links and a footer (打印本页 关闭窗口, 版权所有, 网站标识码).
table/ a page of a city site on an older CMS: table layout, an 信息索引 table above the text
       (索引号, 发文机关, 标题, 发文字号, dates), the article number in <strong>, paragraphs in one
       cell separated by <br> and indented with &nbsp;, 【字体：大 中 小】【打印】【关闭】.
gbk/   01, 04, 05 of txt/ in GBK with CRLF (Notepad on Chinese Windows), 02, 03, 06 of html/ in GBK
       declared gb2312 in a <meta http-equiv>, as many government sites still serve.
paste/ the same as txt/ without the indentation a viewer's copy often loses, 29 characters a
       line, a page every 33 lines, article numbers unspaced.
wechat/ an article of a WeChat public account saved from the browser: <h1> headline, the
       account and time, text in <section>/<span>, 点击蓝字 关注我们, 来源/编辑/审核 lines, 阅读原文,
       预览时标签不可点, 微信扫一扫 关注该公众号, 分享/收藏/点赞/在看, 写留言.
txt/   text copied out of a PDF viewer: lines broken every 35 characters in mid-sentence, the
       page's running header and page number (- 3 -) between the lines every 40 lines, article
       labels spaced out as justified PDF text gives them (第 五 条).
"""
import os
import re
import sys

import zipfile
from xml.sax.saxutils import escape

ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零]+条)\s*(.*)$")


def read(path):
    """Title, front lines (promulgation), and body blocks ('h', text) / ('p', text)."""
    title, front, body = "", [], []
    info = True
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if line == "<!-- INFO END -->":
            info = False
            continue
        if info:
            front.append(line)
        elif line.startswith("#"):
            body.append(("h", line.lstrip("#").strip()))
        else:
            body.append(("p", line))
    return title, front, body


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def run(text, bold=False, size=None):
    props = ("<w:b/>" if bold else "") + ('<w:sz w:val="%d"/>' % size if size else "")
    return '<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>' % ("<w:rPr>%s</w:rPr>" % props if props else "", escape(text))


def para(runs, center=False, indent=False):
    props = ('<w:jc w:val="center"/>' if center else "") + ('<w:ind w:firstLineChars="200" w:firstLine="480"/>' if indent else "")
    return "<w:p>%s%s</w:p>" % ("<w:pPr>%s</w:pPr>" % props if props else "", "".join(runs))


CHAPTER = re.compile(r"^第[一二三四五六七八九十]+章\s*(.*)$")
ITEM = re.compile(r"^（[一二三四五六七八九十]+）(.*)$")

NUMBERING = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering %s>'
             '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="multilevel"/>'
             '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%%1条"/><w:lvlJc w:val="left"/><w:suff w:val="space"/></w:lvl>'
             '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%%2）"/><w:lvlJc w:val="left"/><w:suff w:val="nothing"/></w:lvl>'
             '</w:abstractNum>'
             '<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="singleLevel"/>'
             '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:lvlText w:val="第%%1章"/><w:lvlJc w:val="center"/><w:suff w:val="space"/></w:lvl>'
             '</w:abstractNum>'
             '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>')


def numbered(runs, num_id, ilvl, center=False):
    props = '<w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%d"/></w:numPr>' % (ilvl, num_id) + ('<w:jc w:val="center"/>' if center else "")
    return "<w:p><w:pPr>%s</w:pPr>%s</w:p>" % (props, "".join(runs))


def numbered_body(body):
    """Paragraphs numbered by Word: 第X条 and （X） from a multi-level list, 第X章 from another."""
    ps = []
    for kind, text in body:
        m = CHAPTER.match(text) if kind == "h" else None
        if m:
            ps.append(numbered([run(m.group(1), bold=True)], 2, 0, center=True))
        elif kind == "h":
            ps.append(para([run(text, bold=True)], center=True))
        elif ARTICLE.match(text):
            ps.append(numbered([run(ARTICLE.match(text).group(2))], 1, 0))
        elif ITEM.match(text):
            ps.append(numbered([run(ITEM.match(text).group(1))], 1, 1))
        else:
            ps.append(para([run(text)], indent=True))
    return ps


def write_docx(title, front, body, out, numbers=False):
    """A WordprocessingML package written by hand (python-docx is not installed here)."""
    ps = [para([run(title, bold=True, size=40)], center=True)]
    ps += [para([run(f)], center=True) for f in front]
    cur = None
    for kind, text in ([] if numbers else body):
        if kind == "h":
            if cur:
                ps.append(para(cur, indent=True))
                cur = None
            ps.append(para([run(text, bold=True)], center=True))
            continue
        if cur is None:
            cur = []
        else:
            cur += ["<w:r><w:br/></w:r>", run("\u3000\u3000")]
        m = ARTICLE.match(text)
        if m:
            cur += [run(m.group(1), bold=True), run("\u3000" + m.group(2))]
        else:
            cur.append(run(text))
    if cur:
        ps.append(para(cur, indent=True))
    if numbers:
        ps += numbered_body(body)
    ps.append(para([]))
    ps.append(para([run("抄送：各省、自治区、直辖市人民政府办公厅，国务院各部委、各直属机构办公厅（室）。")]))
    ps.append(para([run("国务院办公厅秘书局　　　　　　　　　　　　　　印发")]))
    sect = ('<w:sectPr><w:headerReference w:type="default" r:id="rHdr"/><w:footerReference w:type="default" r:id="rFtr"/>'
            '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992"/></w:sectPr>')
    document = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document %s><w:body>%s%s</w:body></w:document>' % (W, "".join(ps), sect)
    header = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr %s>%s</w:hdr>' % (W, para([run(title)], center=True))
    field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
    footer = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr %s>%s</w:ftr>' % (W, para([run("— "), field, run(" —")], center=True))
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles %s><w:docDefaults><w:rPrDefault><w:rPr>'
              '<w:rFonts w:ascii="WenQuanYi Micro Hei" w:eastAsia="WenQuanYi Micro Hei" w:hAnsi="WenQuanYi Micro Hei"/><w:sz w:val="24"/>'
              '</w:rPr></w:rPrDefault></w:docDefaults></w:styles>') % W
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
             '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
             '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
             '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
             '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    docrels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
               '<Relationship Id="rHdr" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
               '<Relationship Id="rNum" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
               '<Relationship Id="rFtr" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/_rels/document.xml.rels", docrels)
        z.writestr("word/document.xml", document)
        z.writestr("word/styles.xml", styles)
        z.writestr("word/header1.xml", header)
        z.writestr("word/footer1.xml", footer)
        z.writestr("word/numbering.xml", NUMBERING % W)


def write_html(title, front, body, out):
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    ps = []
    for kind, text in body:
        if kind == "h":
            ps.append('<p style="text-align:center"><strong>%s</strong></p>' % esc(text))
            continue
        m = ARTICLE.match(text)
        if m:
            text = "【%s】%s" % (m.group(1), m.group(2))
        ps.append('<p style="text-indent:2em">\u3000\u3000%s</p>' % esc(text))
    front_html = "<br>".join(esc(f) for f in front)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(title)}_政策法规_中国政府网</title>
<meta name="keywords" content="{esc(title)}"></head>
<body>
<div class="header"><div class="topbar"><a href="/">首页</a> | <a href="/english">English</a> | <a href="/m">移动版</a> | <a href="/wzdt">网站导航</a></div>
<div class="menu"><ul><li><a href="/">首页</a></li><li><a href="/zhengce">政策</a></li><li><a href="/hudong">互动</a></li><li><a href="/fuwu">服务</a></li><li><a href="/shuju">数据</a></li></ul></div>
<div class="search"><input type="text" value=""><a href="#">搜索</a></div></div>
<div class="BreadcrumbNav"><a href="/">首页</a> &gt; <a href="/zhengce">政策</a> &gt; <a href="/zhengce/xxgk">政策法规</a></div>
<div class="article oneColumn pub_border">
<div class="title">{esc(title)}</div>
<div class="pages-date">2019-03-18 16:45 来源： 新华社 <span class="font">字号：<a>大</a> <a>中</a> <a>小</a></span> <span>打印本页</span></div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
<div class="pages_content" id="UCAP-CONTENT">
<p style="text-align:center">{front_html}</p>
{chr(10).join(ps)}
</div>
<div class="editor">【我要纠错】 责任编辑：王洋</div>
</div>
<div class="related"><div class="related_title">相关稿件</div><ul>
<li><a href="#">国务院办公厅关于进一步优化营商环境的意见</a> 2019-03-10</li>
<li><a href="#">中央编办负责人就有关问题答记者问</a> 2019-03-12</li>
<li><a href="#">全国机构编制工作会议在京召开</a> 2019-03-15</li></ul></div>
<div class="bottom"><a>打印本页</a> <a>关闭窗口</a></div>
<div class="footer"><div>版权所有：中国政府网 | 中华人民共和国国务院办公厅</div><div>京ICP备05070218号 京公网安备11010202000001号</div><div>网站标识码bm01000001</div></div>
</body></html>
"""
    open(out, "w", encoding="utf-8").write(page)


def write_html_table(title, front, body, out):
    """A page of a city or province site on an older CMS: table layout, an 信息索引 table above
    the text (索引号, 发文机关, 标题, 发文字号, dates), the article number in <strong>, the
    paragraphs set in one cell with <br> and &nbsp; indentation, 【字体：大 中 小】【打印】【关闭】."""
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    rows = []
    for kind, text in body:
        if kind == "h":
            rows.append("<br><center><b>%s</b></center>" % esc(text))
            continue
        m = ARTICLE.match(text)
        if m:
            text = "<strong>%s</strong>&nbsp;&nbsp;%s" % (m.group(1), esc(m.group(2)))
        else:
            text = esc(text)
        rows.append("<br>&nbsp;&nbsp;&nbsp;&nbsp;%s" % text)
    issued = front[-1] if front else ""
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(title)}-某市人民政府门户网站</title></head>
<body><table width="1000" align="center"><tr><td><img src="logo.png" alt="某市人民政府门户网站"></td>
<td><a href="/">网站首页</a> <a href="/zwgk">政务公开</a> <a href="/bsfw">办事服务</a> <a href="/hdjl">互动交流</a></td></tr></table>
<table width="1000" align="center"><tr><td>当前位置：<a href="/">首页</a> &gt;&gt; <a href="/zwgk">政务公开</a> &gt;&gt; <a href="/zcfg">政策法规</a></td></tr></table>
<table class="xxgk" width="1000" align="center">
<tr><td>索引号：</td><td>11330100002490000X/2021-00123</td><td>主题分类：</td><td>综合政务</td></tr>
<tr><td>发文机关：</td><td>某市人民政府办公厅</td><td>成文日期：</td><td>2021年05月10日</td></tr>
<tr><td>标　　题：</td><td colspan="3">{esc(title)}</td></tr>
<tr><td>发文字号：</td><td>无</td><td>发布日期：</td><td>2021年05月12日</td></tr></table>
<table width="1000" align="center"><tr><td class="title" align="center"><font size="5"><b>{esc(title)}</b></font></td></tr>
<tr><td align="center">发布日期：2021-05-12　　信息来源：市政府办公厅　　浏览次数：1024　　【字体：<a>大</a> <a>中</a> <a>小</a>】</td></tr>
<tr><td class="content"><center>{"<br>".join(esc(f) for f in front)}</center>{"".join(rows)}
</td></tr>
<tr><td align="right">【<a>打印</a>】【<a>关闭</a>】</td></tr></table>
<table width="1000" align="center"><tr><td>主办：某市人民政府办公厅　承办：某市大数据发展管理局　网站标识码：3301000001</td></tr>
<tr><td>浙ICP备05001234号　浙公网安备 33010202000123号</td></tr></table>
</body></html>
"""
    open(out, "w", encoding="utf-8").write(page)


def write_wechat(title, front, body, out):
    """An article of a WeChat public account saved from the browser: the headline in an <h1>, the
    account and time above the text, the text in <section>s and <span>s, and the page's own lines
    after it (阅读原文, 微信扫一扫关注该公众号, 预览时标签不可点, 在看, 写留言)."""
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    ps = []
    for kind, text in body:
        if kind == "h":
            ps.append('<section style="text-align:center"><span style="font-weight:bold">%s</span></section>' % esc(text))
            continue
        m = ARTICLE.match(text)
        if m:
            ps.append('<p><span><strong>%s</strong>　%s</span></p>' % (m.group(1), esc(m.group(2))))
        else:
            ps.append('<p><span>%s</span></p>' % esc(text))
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(title)}</title></head>
<body><div class="rich_media_area_primary"><h1 class="rich_media_title" id="activity-name">
{esc(title)}
</h1>
<div id="meta_content"><span class="rich_media_meta">原创</span> <span class="rich_media_meta">编办小编</span> <a id="js_name">机构编制在线</a> <em id="publish_time">2021-05-12 18:00</em> <em>发表于浙江</em></div>
<div class="rich_media_content" id="js_content"><section><p><span>点击蓝字 关注我们</span></p></section>
<section>{"".join('<p style="text-align:center"><span>%s</span></p>' % esc(f) for f in front)}</section>
<section>{chr(10).join(ps)}</section>
<section><p><span>来源：中国政府网</span></p><p><span>编辑：李明　审核：王芳</span></p></section></div>
<div id="js_tags">收录于合集 #政策法规 12个</div>
<a id="js_view_source">阅读原文</a>
<div>预览时标签不可点</div>
<div id="js_pc_qr_code"><p>微信扫一扫<br>关注该公众号</p></div>
<div><span>分享</span><span>收藏</span><span>点赞</span><span>在看</span></div>
<div>写留言</div></div></body></html>
"""
    open(out, "w", encoding="utf-8").write(page)


def write_txt(title, front, body, out, width=35, page_lines=40, indent="\u3000\u3000", spaced=True):
    lines = [title, ""] + front + [""]
    for kind, text in body:
        if kind == "h":
            lines += [text]
            continue
        m = ARTICLE.match(text)
        if m:
            text = (" ".join(m.group(1)) if spaced else m.group(1)) + "　" + m.group(2)
        text = indent + text
        while len(text) > width:
            lines.append(text[:width])
            text = text[width:]
        lines.append(text)
    out_lines, page = [], 1
    for i, l in enumerate(lines):
        out_lines.append(l)
        if (i + 1) % page_lines == 0:
            out_lines += ["", "- %d -" % page, "", title]
            page += 1
    out_lines += ["", "- %d -" % page]
    open(out, "w", encoding="utf-8").write("\n".join(out_lines) + "\n")


def write_gbk(out):
    """Files as Windows offices save them: text from Notepad in GBK with CRLF (01, 04, 05 of txt/),
    pages served as GB2312 with the charset in a <meta http-equiv> (02, 03, 06 of html/)."""
    os.makedirs(os.path.join(out, "gbk"), exist_ok=True)
    for name in sorted(os.listdir(os.path.join(out, "txt"))):
        stem = name[:-4]
        if stem[:2] in ("01", "04", "05"):
            s = open(os.path.join(out, "txt", name), encoding="utf-8").read().replace("\n", "\r\n")
            open(os.path.join(out, "gbk", name), "wb").write(s.encode("gbk"))
        else:
            s = open(os.path.join(out, "html", stem + ".html"), encoding="utf-8").read()
            s = s.replace('<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
            open(os.path.join(out, "gbk", stem + ".html"), "wb").write(s.encode("gbk"))


def main():
    src, out = sys.argv[1], sys.argv[2]
    for sub in ("docx", "docxnum", "html", "table", "wechat", "txt", "paste"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not re.match(r"0[1-6]-.*\.md$", name):
            continue
        title, front, body = read(os.path.join(src, name))
        stem = name[:-3]
        write_docx(title, front, body, os.path.join(out, "docx", stem + ".docx"))
        write_docx(title, front, body, os.path.join(out, "docxnum", stem + ".docx"), numbers=True)
        write_html(title, front, body, os.path.join(out, "html", stem + ".html"))
        write_html_table(title, front, body, os.path.join(out, "table", stem + ".html"))
        write_wechat(title, front, body, os.path.join(out, "wechat", stem + ".html"))
        write_txt(title, front, body, os.path.join(out, "txt", stem + ".txt"))
        write_txt(title, front, body, os.path.join(out, "paste", stem + ".txt"), width=29, page_lines=33, indent="", spaced=False)
    write_gbk(out)


if __name__ == "__main__":
    main()
