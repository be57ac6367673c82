package policy

import (
	"strings"
	"unicode"
)

// normalize folds full-width forms and case, and drops the characters that
// only decorate a term (quotes, book-title marks, spaces between Han
// characters), so "“大科室” 制改革" reads as "大科室制改革" for matching. A
// space survives only between two ASCII characters.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune         // last rune written
	pendingSpace := false // white space seen since prev
	for _, r := range s {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		switch r {
		case '“', '”', '‘', '’', '"', '\'', '《', '》', '「', '」', '『', '』', '〈', '〉':
			continue
		}
		if unicode.IsSpace(r) {
			pendingSpace = true
			continue
		}
		if r < 0x80 {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		} else {
			r = unicode.ToLower(r)
		}
		if pendingSpace && prev != 0 && prev < 0x80 && r < 0x80 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// tokenize splits normalized text into index terms: bigrams of every run of
// Han characters (a lone Han character is its own term), ASCII words,
// numbers (with decimal point and %), and each number joined with the Han
// character that follows it ("84家", "3名"), so a figure matches only with
// its measure word.
func tokenize(norm string) []string {
	var terms []string
	rs := []rune(norm)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isHan(r):
			j := i
			for j < len(rs) && isHan(rs[j]) {
				j++
			}
			if j-i == 1 {
				terms = append(terms, string(rs[i]))
			}
			for k := i; k+1 < j; k++ {
				terms = append(terms, string(rs[k:k+2]))
			}
			i = j
		case isDigit(r):
			j := i
			for j < len(rs) && (isDigit(rs[j]) || (rs[j] == '.' && j+1 < len(rs) && isDigit(rs[j+1]))) {
				j++
			}
			if j < len(rs) && rs[j] == '%' {
				j++
			}
			num := string(rs[i:j])
			terms = append(terms, num)
			if j < len(rs) && isHan(rs[j]) {
				terms = append(terms, num+string(rs[j]))
			}
			i = j
		case r < 0x80 && (unicode.IsLetter(r)):
			j := i
			for j < len(rs) && rs[j] < 0x80 && (unicode.IsLetter(rs[j]) || isDigit(rs[j])) {
				j++
			}
			terms = append(terms, string(rs[i:j]))
			i = j
		default:
			i++
		}
	}
	return terms
}

// spoken words of questions and their written form, which the question
// words below and the kinds of answer are given in.
var spoken = strings.NewReplacer(
	"啥", "什么", "咋", "怎么", "哪儿", "哪里", "多会儿", "什么时候",
	"找谁批", "由谁审批", "找谁", "由谁", "撤掉", "撤销", "叫上", "会同", "自己", "自行", "别的", "其他", "流程", "程序",
	"县里", "县级", "市里", "市级", "省里", "省级",
	"搞", "开展", "没有", "没有", "罚没", "罚没", "没收", "没收", "没", "未", "的话", "",
)

// plainQuestion writes a normalized question's spoken words as written.
func plainQuestion(norm string) string { return plainInCharge(spoken.Replace(norm)) }

// questionNoise are words that shape a question but say nothing about its
// subject; the query is cut at them so they neither match nor form bigrams
// with their neighbours.
var questionNoise = []string{
	"想问下", "想问问", "请问下", "请问", "请告诉我", "告诉我", "我想知道", "想知道", "想问", "一下",
	// Openers and connectives of spoken questions.
	"如果", "假如", "要是", "我们", "咱们", "现在", "目前", "听说", "那么", "还有", "另外", "没有",
	// When and who, said in passing: 执法的时候有人阻挠.
	"的时候", "时候", "有人",
	// A body asked for: 部门 here is the question word, not its subject.
	"哪个部门", "哪些部门", "什么部门", "哪个单位", "哪个机构", "什么机构", "哪个机关", "什么机关",
	// What a term means.
	"什么意思", "意思", "含义", "指的是", "是指", "什么叫", "何为", "何谓", "定义",
	"叫什么名字", "叫什么", "什么名字", "由谁", "是谁", "哪位", "哪些", "哪一天", "哪一年", "哪天", "哪年", "哪次", "开始", "怎么办",
	"什么时候", "何时", "这次", "此次", "本次", "这个", "有没有", "是不是", "能不能", "可不可以", "要不要", "会不会", "行不行", "算不算", "是否", "是多少", "多少", "哪些", "哪里", "哪个", "哪家", "哪儿", "什么样的", "什么样", "什么", "怎么样", "怎么", "怎样", "如何", "为什么", "为何",
	"几个", "几家", "几名", "几项", "几次", "几期", "几",
	"可以", "应该", "需要", "必须", "最多", "一共", "总共", "共有", "具体",
	// Only the single characters that rarely start or end a content word;
	// 有, 要, 在, 对, 到, 及 would break 主要, 存在, 对账, 到位, 及时.
	"的", "了", "吗", "呢", "吧", "啊", "呀", "是", "都", "谁", "哪",
}

// synonyms rewrite question phrasing into the documents' phrasing; the
// original stays in the query, the rewrite is added.
var synonyms = map[string]string{
	"最少":  "不少于",
	"至少":  "不少于",
	"起码":  "不少于",
	"最低":  "不少于",
	"砍掉":  "核减",
	"裁掉":  "核减",
	"减掉":  "核减",
	"涉及":  "纳入",
	"部门":  "单位",
	"落后":  "滞后",
	"拖后腿": "滞后",
	"负责人": "主要领导",
}

// queryParts cuts a normalized question into the segments between noise words.
func queryParts(norm string) []string {
	parts := []string{norm}
	for _, w := range questionNoise {
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, w)...)
		}
		parts = next
	}
	out := parts[:0]
	for _, p := range parts {
		p = strings.TrimFunc(p, func(r rune) bool { return !isHan(r) && !isDigit(r) && !(r < 0x80 && unicode.IsLetter(r)) })
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
