// Package province generates a synthetic province (省) for load and scale
// work: thousands of units in the province's departments and in every city
// and county, tens of thousands of people, and 100,000 tasks of a reform,
// deterministic for a given Size. Benchmarks call Generate; the command
// ./gen writes it as a CSV directory or a workbook that `duban import`
// reads.
package province

import (
	"fmt"
	"math/rand/v2"

	"github.com/duban-org/duban"
	"github.com/duban-org/duban/tasklist"
)

// Size says how big a province to generate.
type Size struct {
	Units int // 单位
	Tasks int // 任务, spread evenly over the units
	// Today is the day the ledger is set on: deadlines run from 180 days
	// before it to 180 days after, and earlier tasks carry states.
	Today duban.Date
	Seed  uint64
}

// Province is the size of the target: 10,000 units, 100,000 tasks.
func Province(today duban.Date) Size {
	return Size{Units: 10_000, Tasks: 100_000, Today: today, Seed: 1}
}

// Regions of the province: its own departments (省直) first, then each
// city's departments and its counties'.
var cities = []string{"江城市", "云州市", "临川市", "安平市", "青阳市", "东海市", "北屏市", "南陵市",
	"西岭市", "长河市", "白沙市", "金川市", "丰宁市", "嘉禾市", "泰和市", "平原市"}

var counties = []string{"城关区", "新华区", "东城区", "西城区", "高新区", "安顺县", "长乐县", "永和县", "清河县"}

// departments a region's units are drawn from.
var departments = []string{"委办公室", "政府办公室", "纪委监委机关", "委组织部", "委宣传部", "委统战部", "委政法委",
	"委编办", "委网信办", "发展和改革委员会", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局",
	"司法局", "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局",
	"交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "退役军人事务局",
	"应急管理局", "审计局", "国有资产监督管理委员会", "市场监督管理局", "体育局", "统计局", "医疗保障局",
	"林业局", "信访局", "机关事务管理局", "行政审批局", "数据局", "城市管理局", "粮食和物资储备局",
	"人民防空办公室", "地方金融管理局", "乡村振兴局", "档案馆", "党校", "融媒体中心", "社会科学界联合会",
	"总工会", "团委", "妇联", "科协", "文联", "残联", "红十字会", "工商联", "供销合作社",
	"公共资源交易中心", "政务服务中心", "疾病预防控制中心", "住房公积金管理中心", "不动产登记中心",
	"农业科学研究院", "图书馆", "博物馆", "广播电视台", "气象局", "消防救援支队", "税务局"}

// reform items every unit's list is drawn from.
var items = []string{
	"制定本单位大科室制改革方案", "改革方案报编办审核", "行政审批职能集中到行政审批科", "设置法制机构",
	"行政执法职能向执法机构集中", "内设机构调整到位，每科室平均不少于3名", "核减内设机构和领导职数",
	"人员转岗到位", "修订本单位“三定”规定", "清理规范议事协调机构", "梳理权责清单并公布",
	"整合业务相近科室", "事业单位分类改革自查", "报送改革完成情况",
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万覃武钱戴严莫孔向常汤")
var given = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文玲建国志红云飞海燕鹏辉斌宇浩凯健俊帆晨阳立新亮林峰波宁")

// Generate returns the province of size s: units named after real kinds of
// departments in 1 + 16 cities × (1 + 9 counties) regions (numbered beyond
// that), one 督办组 per city plus 省直组, a 一把手 and one or two 联络员 per
// unit, two 督办组长 per group and five 编办 staff.
func Generate(s Size) tasklist.Ledger {
	r := rand.New(rand.NewPCG(s.Seed, 17))
	var l tasklist.Ledger
	regions := []string{"省"}
	groupOf := []string{"省直组"}
	for _, c := range cities {
		regions = append(regions, c)
		groupOf = append(groupOf, c[:len(c)-len("市")]+"组")
		for _, k := range counties {
			regions = append(regions, c+k)
			groupOf = append(groupOf, c[:len(c)-len("市")]+"组")
		}
	}
	name := func() string {
		n := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])
		if r.IntN(2) == 0 {
			n += string(given[r.IntN(len(given))])
		}
		return n
	}
	for i := range s.Units {
		region, dept := i/len(departments), i%len(departments)
		reg, group := fmt.Sprintf("第%d区域", region), "增补组"
		if region < len(regions) {
			reg, group = regions[region], groupOf[region]
		}
		code := fmt.Sprintf("U%05d", i)
		l.Units = append(l.Units, duban.Unit{Code: code, Name: reg + departments[dept], Group: group})
		l.People = append(l.People,
			duban.Person{UserID: "h" + code, Name: name(), Posts: []duban.Post{{Role: duban.RoleHead, Scope: code}}},
			duban.Person{UserID: "c" + code, Name: name(), Posts: []duban.Post{{Role: duban.RoleContact, Scope: code}}})
		if i%3 == 0 {
			l.People = append(l.People, duban.Person{UserID: "d" + code, Name: name(), Posts: []duban.Post{{Role: duban.RoleContact, Scope: code}}})
		}
	}
	for _, g := range l.Groups() {
		for k := range 2 {
			l.People = append(l.People, duban.Person{UserID: fmt.Sprintf("L%s%d", g.Units[0], k+1), Name: name(),
				Posts: []duban.Post{{Role: duban.RoleLeader, Scope: g.Name}}})
		}
	}
	for k := range 5 {
		l.People = append(l.People, duban.Person{UserID: fmt.Sprintf("admin%d", k+1), Name: name(), Posts: []duban.Post{{Role: duban.RoleAdmin}}})
	}
	l.StatusSet = map[string]bool{}
	for i := range s.Tasks {
		t := duban.Task{
			ID:       fmt.Sprintf("T%06d", i+1),
			Unit:     fmt.Sprintf("U%05d", i%max(s.Units, 1)),
			Title:    items[(i/max(s.Units, 1))%len(items)],
			Deadline: s.Today.AddDays(r.IntN(361) - 180),
			Status:   duban.StatusNotStarted,
		}
		// The further a deadline lies behind, the likelier the task is done.
		if past := int(s.Today - t.Deadline); past > 0 {
			switch n := r.IntN(180); {
			case n < past*3/4:
				t.Status = duban.StatusVerified
			case n < past*7/8:
				t.Status = duban.StatusReported
			case n < past:
				t.Status, t.Progress = duban.StatusInProgress, "正在按方案推进"
			}
		} else if r.IntN(4) == 0 {
			t.Status, t.Progress = duban.StatusInProgress, "方案已起草，正在征求意见"
		}
		if t.Status != duban.StatusNotStarted {
			l.StatusSet[t.ID] = true
		}
		l.Tasks = append(l.Tasks, t)
	}
	return l
}
