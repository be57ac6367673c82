package tasklist

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/duban-org/duban"
)

// Ledger is a whole task list (台账): the units under the reform, the people
// and their posts, and every unit's tasks, in the order of the sheets.
type Ledger struct {
	Units  []duban.Unit
	People []duban.Person
	Tasks  []duban.Task
	// StatusSet holds the ids of the tasks whose 状态 cell was filled in.
	// Only those tasks take their status from the sheet on re-import (see
	// MergeTask); a sheet without a 状态 column leaves every state alone.
	// Nil for a ledger that was not read from a sheet.
	StatusSet map[string]bool
	// Attachments, when set, are listed in an export (attachments.go);
	// Read never sets them.
	Attachments []ExportedAttachment
}

// Group is a supervision group (督办组), derived from the units' 督办组 column.
type Group struct {
	Name    string
	Units   []string // unit codes, in sheet order
	Leaders []string // userids of its 督办组长
}

// Groups returns the supervision groups in the order they first appear
// among the units, with their units and leaders.
func (l Ledger) Groups() []Group {
	var groups []Group
	index := map[string]int{}
	for _, u := range l.Units {
		i, ok := index[u.Group]
		if !ok {
			i = len(groups)
			index[u.Group] = i
			groups = append(groups, Group{Name: u.Group})
		}
		groups[i].Units = append(groups[i].Units, u.Code)
	}
	for _, p := range l.People {
		for _, name := range p.Groups() {
			if i, ok := index[name]; ok {
				groups[i].Leaders = append(groups[i].Leaders, p.UserID)
			}
		}
	}
	return groups
}

// idAlphabet leaves out 0, 1, I and O, which people misread when they
// type an id back into a chat.
const idAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// GenerateID returns the id a task gets when its row has no 任务编号: "G"
// and six characters hashed from the unit code and the title, so importing
// the same sheet again yields the same id. Whitespace in the title does not
// count, so re-typing a title with other spacing keeps its id.
func GenerateID(unit, title string) string {
	key := strings.TrimSpace(duban.FoldWidth(unit)) + "\x00" + strings.Join(strings.Fields(duban.FoldWidth(title)), "")
	sum := sha256.Sum256([]byte(key))
	n := binary.BigEndian.Uint64(sum[:8])
	var b [7]byte
	b[0] = 'G'
	for i := 1; i < len(b); i++ {
		b[i] = idAlphabet[n&31]
		n >>= 5
	}
	return string(b[:])
}

// MergeTask returns the task an import stores when the sheet's row in
// arrives for the stored task cur (same id). The rule:
//
//   - 单位编码, 任务事项, 完成时限 and 备注 always come from the sheet;
//   - 状态 comes from the sheet only when the row's 状态 cell was filled in
//     (statusSet); otherwise the stored status stays, so a plain office
//     sheet never resets work in progress, while an export imported again
//     restores every state;
//   - 进展 comes from the sheet when its cell is filled in;
//   - a pending extension request, the update stamp and the history are
//     the store's and are left alone (the store stamps the import itself).
func MergeTask(cur, in duban.Task, statusSet bool) duban.Task {
	next := cur
	next.Unit, next.Title, next.Deadline, next.Note = in.Unit, in.Title, in.Deadline, in.Note
	if statusSet {
		next.Status = in.Status
	}
	if in.Progress != "" {
		next.Progress = in.Progress
	}
	return next
}
