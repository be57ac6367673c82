// Command gen writes the sample ledger (示例台账) as examples/sample.xlsx and
// the CSV directory examples/sample/, from one description so that the two
// never drift apart. Run it with `go generate ./examples`.
//
// The ledger is set on the demo day, 2026-11-26: deadlines run from
// November 2026 to January 2027 and some early tasks already carry states,
// so a demo shows green, yellow and red lights.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/tasklist"
)

func main() {
	out := flag.String("out", ".", "directory to write sample.xlsx and sample/ into")
	flag.Parse()
	if err := write(*out); err != nil {
		slog.Error("generate sample ledger", "err", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	l := Sample()
	if err := tasklist.Write(filepath.Join(dir, "sample.xlsx"), l, nil); err != nil {
		return err
	}
	return tasklist.WriteCSVDir(filepath.Join(dir, "sample"), l, nil)
}

// unitSpec is one unit of the sample city.
type unitSpec struct {
	name string
	// unchanged: its sections already met the 大科室制 rules (the article's
	// "市政府办等16家单位原设置符合要求，维持不变"): a self-check only.
	unchanged bool
	approval  bool // has administrative approvals to gather into 行政审批科
	legal     bool // a government department: needs a 法制机构
	enforce   bool // has law-enforcement duties to gather into one 执法机构
}

type groupSpec struct {
	name, prefix string
	leader       [3]string // userid, name, title
	units        []unitSpec
}

var groups = []groupSpec{
	{"党群组", "DQ", [3]string{"liujianhua", "刘建华", "市编办副主任"}, []unitSpec{
		{name: "市委办公室"},
		{name: "市纪委监委机关"},
		{name: "市委组织部"},
		{name: "市委宣传部"},
		{name: "市委统战部"},
		{name: "市委政法委员会"},
		{name: "市委政策研究室", unchanged: true},
		{name: "市委机构编制委员会办公室"},
		{name: "市委巡察工作领导小组办公室", unchanged: true},
		{name: "市直机关工作委员会"},
		{name: "市委老干部局", unchanged: true},
		{name: "市委网络安全和信息化委员会办公室", approval: true},
		{name: "市人大常委会办公室"},
		{name: "市政协办公室"},
		{name: "市总工会"},
		{name: "共青团市委", unchanged: true},
		{name: "市妇女联合会", unchanged: true},
		{name: "市工商业联合会"},
		{name: "市科学技术协会", unchanged: true},
		{name: "市文学艺术界联合会", unchanged: true},
	}},
	{"政府组", "ZF", [3]string{"chenzhiqiang", "陈志强", "市编办副主任"}, []unitSpec{
		{name: "市政府办公室", unchanged: true},
		{name: "市发展和改革委员会", approval: true, legal: true},
		{name: "市教育局", approval: true, legal: true},
		{name: "市科学技术局", approval: true, legal: true},
		{name: "市经济和信息化局", approval: true, legal: true},
		{name: "市民族宗教事务局", approval: true, legal: true},
		{name: "市公安局", approval: true, legal: true},
		{name: "市民政局", approval: true, legal: true},
		{name: "市司法局", legal: true},
		{name: "市财政局", approval: true, legal: true},
		{name: "市人力资源和社会保障局", approval: true, legal: true},
		{name: "市自然资源和规划局", approval: true, legal: true, enforce: true},
		{name: "市生态环境局", approval: true, legal: true, enforce: true},
		{name: "市住房和城乡建设局", approval: true, legal: true, enforce: true},
		{name: "市交通运输局", approval: true, legal: true, enforce: true},
		{name: "市水利和湖泊局", approval: true, legal: true, enforce: true},
		{name: "市农业农村局", approval: true, legal: true, enforce: true},
		{name: "市商务局", approval: true, legal: true},
		{name: "市文化和旅游局", approval: true, legal: true, enforce: true},
		{name: "市卫生健康委员会", approval: true, legal: true, enforce: true},
		{name: "市退役军人事务局", legal: true},
		{name: "市应急管理局", approval: true, legal: true, enforce: true},
		{name: "市审计局", legal: true},
		{name: "市人民政府国有资产监督管理委员会", legal: true},
		{name: "市市场监督管理局", approval: true, legal: true, enforce: true},
		{name: "市统计局", legal: true, unchanged: true},
		{name: "市医疗保障局", approval: true, legal: true},
		{name: "市林业局", approval: true, legal: true, enforce: true},
		{name: "市城市管理执法委员会", approval: true, legal: true, enforce: true},
		{name: "市政务服务和大数据管理局", approval: true, legal: true},
		{name: "市信访局", legal: true, unchanged: true},
		{name: "市体育局", approval: true, legal: true},
		{name: "市人民防空办公室", approval: true, legal: true},
		{name: "市粮食和物资储备局", approval: true, legal: true},
		{name: "市招商和投资促进局", legal: true, unchanged: true},
		{name: "市人民政府研究室", unchanged: true},
		{name: "市公共资源交易监督管理局", legal: true},
		{name: "市机关事务管理局", legal: true, unchanged: true},
	}},
	{"派出机构组", "PC", [3]string{"zhouhaiyan", "周海燕", "市编办副主任"}, []unitSpec{
		{name: "市高新技术产业开发区管理委员会", approval: true},
		{name: "市经济技术开发区管理委员会", approval: true},
		{name: "市临空经济区管理委员会", approval: true},
		{name: "市综合保税区管理委员会", approval: true},
		{name: "市生态文化旅游区管理委员会", approval: true},
		{name: "市城东新区管理委员会", approval: true},
		{name: "市现代农业示范区管理委员会", approval: true},
		{name: "市港口物流园区管理委员会", approval: true},
	}},
	{"事业单位组", "SY", [3]string{"wuguoqing", "吴国庆", "市编办副主任"}, []unitSpec{
		{name: "市委党校"},
		{name: "市档案馆"},
		{name: "市社会科学界联合会", unchanged: true},
		{name: "市农业科学院"},
		{name: "市地方志研究中心", unchanged: true},
		{name: "市融媒体中心"},
		{name: "市公共资源交易中心"},
		{name: "市住房公积金中心", approval: true},
		{name: "市机关事务服务中心"},
		{name: "市供销合作社联合社"},
		{name: "市林业科学研究所"},
		{name: "市疾病预防控制中心"},
		{name: "市图书馆"},
		{name: "市博物馆"},
		{name: "市不动产登记中心", approval: true},
		{name: "市检验检测中心"},
		{name: "市城乡规划设计研究院"},
		{name: "市社会福利院"},
	}},
}

// The office's own staff (编办). The director also heads the 编办 as a unit
// under the reform (it reformed itself first), so he holds two posts.
var admins = [][2]string{{"wangjianguo", "王建国"}, {"lixiaodong", "李晓东"}}

const officeUnit = "市委机构编制委员会办公室"

var (
	surnames = [][2]string{
		{"张", "zhang"}, {"李", "li"}, {"王", "wang"}, {"刘", "liu"}, {"陈", "chen"}, {"杨", "yang"}, {"黄", "huang"},
		{"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"}, {"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"},
		{"胡", "hu"}, {"郭", "guo"}, {"何", "he"}, {"林", "lin"}, {"高", "gao"}, {"罗", "luo"}, {"郑", "zheng"},
		{"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"}, {"韩", "han"}, {"冯", "feng"}, {"邓", "deng"},
		{"曹", "cao"}, {"彭", "peng"}, {"曾", "zeng"}, {"肖", "xiao"}, {"田", "tian"}, {"董", "dong"}, {"袁", "yuan"},
		{"潘", "pan"}, {"蒋", "jiang"}, {"蔡", "cai"}, {"余", "yu"}, {"杜", "du"}, {"叶", "ye"}, {"程", "cheng"},
		{"魏", "wei"}, {"苏", "su"}, {"吕", "lv"}, {"丁", "ding"}, {"任", "ren"}, {"沈", "shen"}, {"姚", "yao"},
	}
	givenNames = [][2]string{
		{"伟", "wei"}, {"芳", "fang"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"}, {"强", "qiang"}, {"磊", "lei"},
		{"军", "jun"}, {"洋", "yang"}, {"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"娟", "juan"}, {"涛", "tao"},
		{"明", "ming"}, {"超", "chao"}, {"秀英", "xiuying"}, {"霞", "xia"}, {"平", "ping"}, {"刚", "gang"},
		{"志华", "zhihua"}, {"海涛", "haitao"}, {"红梅", "hongmei"}, {"文", "wen"}, {"斌", "bin"}, {"晓燕", "xiaoyan"},
		{"春华", "chunhua"}, {"卫东", "weidong"}, {"立新", "lixin"}, {"玉兰", "yulan"}, {"婷", "ting"}, {"雪", "xue"},
		{"浩", "hao"}, {"宇", "yu"}, {"鹏", "peng"}, {"亮", "liang"}, {"建军", "jianjun"}, {"丹", "dan"}, {"慧", "hui"},
		{"国平", "guoping"}, {"少华", "shaohua"},
	}
)

// names hands out distinct Chinese names with pinyin userids, as a WeCom
// directory would: a second 张伟 would be zhangwei2, but names here never repeat.
type names struct {
	next  int
	used  map[string]bool // names
	usedU map[string]bool // userids
}

func (n *names) reserve(userid, name string) { n.used[name], n.usedU[userid] = true, true }

func (n *names) take() (userid, name string) {
	for {
		i := n.next
		n.next++
		s := surnames[(i*7)%len(surnames)]
		g := givenNames[(i*11+i/len(surnames))%len(givenNames)]
		name, userid = s[0]+g[0], s[1]+g[1]
		if n.used[name] {
			continue
		}
		base := userid
		for k := 2; n.usedU[userid]; k++ {
			userid = fmt.Sprintf("%s%d", base, k)
		}
		n.reserve(userid, name)
		return userid, name
	}
}

// day returns a date of the reform's demo season.
func day(y int, m time.Month, d int) duban.Date { return duban.NewDate(y, m, d) }

func at(m time.Month, d, h, mi int) time.Time {
	return time.Date(2026, m, d, h, mi, 0, 0, tasklist.OfficeZone)
}

// Sample returns the sample ledger.
func Sample() tasklist.Ledger {
	l := tasklist.Ledger{StatusSet: map[string]bool{}}
	nm := &names{used: map[string]bool{}, usedU: map[string]bool{}}
	for _, g := range groups {
		nm.reserve(g.leader[0], g.leader[1])
	}
	for _, a := range admins {
		nm.reserve(a[0], a[1])
	}
	for _, a := range admins {
		l.People = append(l.People, duban.Person{UserID: a[0], Name: a[1], Posts: []duban.Post{{Role: duban.RoleAdmin}}})
	}
	for _, g := range groups {
		l.People = append(l.People, duban.Person{UserID: g.leader[0], Name: g.leader[1], Posts: []duban.Post{{Role: duban.RoleLeader, Scope: g.name}}})
	}
	seq, i := 0, 0 // task number, unit number across the city
	for _, g := range groups {
		for j, us := range g.units {
			u := duban.Unit{Code: fmt.Sprintf("%s%02d", g.prefix, j+1), Name: us.name, Group: g.name}
			l.Units = append(l.Units, u)
			head := duban.Person{Posts: []duban.Post{{Role: duban.RoleHead, Scope: u.Code}}}
			if us.name == officeUnit {
				l.People[0].Posts = append(l.People[0].Posts, head.Posts[0])
			} else {
				head.UserID, head.Name = nm.take()
				l.People = append(l.People, head)
			}
			contact := duban.Person{Posts: []duban.Post{{Role: duban.RoleContact, Scope: u.Code}}}
			contact.UserID, contact.Name = nm.take()
			l.People = append(l.People, contact)
			for _, t := range unitTasks(u, us, i, contact.UserID, g.leader[0]) {
				seq++
				t.ID = fmt.Sprintf("T%03d", seq)
				l.StatusSet[t.ID] = true // the sample's 状态 column is filled in for every task
				l.Tasks = append(l.Tasks, t)
			}
			i++
		}
	}
	return l
}

// unitTasks returns the reform task list of unit number i, in the article's
// order, with deadlines staggered by unit and, for the early items, the state
// they had reached by the demo day.
func unitTasks(u duban.Unit, us unitSpec, i int, contact, leader string) []duban.Task {
	var tasks []duban.Task
	add := func(title string, deadline duban.Date, note string) *duban.Task {
		tasks = append(tasks, duban.Task{Unit: u.Code, Title: title, Deadline: deadline, Note: note, Status: duban.StatusNotStarted})
		return &tasks[len(tasks)-1]
	}
	// lagging: the few units a group leader calls the 一把手 about (red on the demo day).
	lagging := i%19 == 9
	stalled := i%23 == 11

	// 1. The plan: due in the first half of November, closed by most units.
	planTitle, planNote := "制定本单位大科室制改革方案", "对照省委37号文件、市编委48号文件，严把内设机构个数、职数、编制三个关口"
	if us.unchanged {
		planTitle, planNote = "对照大科室制要求开展自查，形成自查报告", "原设置符合大科室制要求，维持不变"
	}
	t := add(planTitle, day(2026, 11, 6+i%8), planNote)
	switch {
	case u.Name == officeUnit: // the 编办 reformed itself first, as a model for the rest
		t.Status, t.Progress = duban.StatusVerified, "本单位改革方案已率先制定，供各单位参照"
		t.UpdatedAt, t.UpdatedBy = at(11, 3, 10, 0), leader
	case lagging:
		t.Status, t.Progress = duban.StatusInProgress, "方案初稿已形成，待党组会审议"
		t.UpdatedAt, t.UpdatedBy = at(11, 10+i%5, 16, 20), contact
	case stalled:
		// never started: the reminders have had no answer
	case i%5 == 2:
		t.Status, t.Progress = duban.StatusReported, "方案已经党组会审议通过"
		t.UpdatedAt, t.UpdatedBy = at(11, 18+i%6, 10, 5+i%50), contact
	default:
		t.Status, t.Progress = duban.StatusVerified, "方案已经党组会审议通过"
		t.UpdatedAt, t.UpdatedBy = at(11, 12+i%7, 9, 30+i%25), leader
	}

	// 2. Submit the plan to the 编办: due 11-20 … 12-04, around the demo day.
	due := day(2026, 11, 20).AddDays(i % 15)
	t = add("改革方案报市编办审核", due, "市编办主任会集中审核，不符合规定的方案予以退回")
	switch {
	case lagging || stalled:
	case due < day(2026, 11, 26) && i%3 == 0:
		t.Status, t.Progress = duban.StatusVerified, "市编办已审核同意"
		t.UpdatedAt, t.UpdatedBy = at(11, 23+i%3, 15, 0), leader
	case due < day(2026, 11, 26) && i%3 == 1:
		t.Status, t.Progress = duban.StatusReported, "方案已报市编办"
		t.UpdatedAt, t.UpdatedBy = at(11, 24, 11, 10+i%40), contact
	case i%4 == 1:
		t.Status, t.Progress = duban.StatusInProgress, "按市编办意见修改完善方案"
		t.UpdatedAt, t.UpdatedBy = at(11, 25, 17, i%55), contact
	}
	if us.unchanged {
		add("报送改革完成情况，对账销号", day(2027, 1, 15).AddDays(i%10), "")
		return tasks
	}

	// 3–5. Gather the functions: approvals, legal affairs, enforcement.
	if us.approval {
		t = add("行政审批职能集中到行政审批科，实现一个科室受理、一个窗口对外", day(2026, 12, 8).AddDays(i%12),
			"依据市审改办关于在推行大科室制改革中设立行政审批科有关事项的通知")
		if i%6 == 4 && !lagging {
			t.Status, t.Progress = duban.StatusInProgress, "已梳理审批事项清单，拟划转行政审批科"
			t.UpdatedAt, t.UpdatedBy = at(11, 24, 9, 45), contact
		}
	}
	if us.legal {
		add("设置法制机构（单设、合并组建或挂牌）", day(2026, 12, 15).AddDays(i%10), "对照法治政府建设标准")
	}
	if us.enforce {
		add("行政执法职能向执法机构集中", day(2026, 12, 18).AddDays(i%10), "解决多头执法、多层执法、重复执法问题")
	}
	switch u.Name {
	case "市农业农村局":
		add("组建农业综合执法支队，承担渔政、水产、畜牧、农机、种子、植保等执法职能", day(2026, 12, 25), "实行行政管理、执法监督、检疫检测、科研推广四个集中")
	case "市融媒体中心", "市农业科学院":
		add("精简机构，实行扁平化管理", day(2026, 12, 22), "")
	}

	// 6–8. Sections, posts and people in place; then report and close.
	add("内设机构调整到位，每科室平均不少于3名", day(2026, 12, 28).AddDays(i%12), "")
	add("核减内设机构和领导职数，收回多余职数", day(2027, 1, 5).AddDays(i%8), "")
	add("人员转岗到位", day(2027, 1, 10).AddDays(i%10), "")
	add("报送改革完成情况，对账销号", day(2027, 1, 20).AddDays(i%10), "")
	return tasks
}
