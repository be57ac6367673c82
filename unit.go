package duban

import "slices"

// Unit is one municipal unit under the reform (单位).
type Unit struct {
	Code  string `json:"code"`  // 单位编码, stable key
	Name  string `json:"name"`  // 单位名称
	Group string `json:"group"` // 督办组 the unit belongs to
}

// Role is a person's post in the reform.
type Role string

const (
	RoleHead    Role = "一把手"  // a unit's principal leader
	RoleContact Role = "联络员"  // a unit's liaison
	RoleLeader  Role = "督办组长" // a supervision group's leader
	RoleAdmin   Role = "编办"   // the establishment office's staff
)

// Roles lists every role, in the order of the ladder.
var Roles = []Role{RoleContact, RoleHead, RoleLeader, RoleAdmin}

// ParseRole accepts the Chinese names and their English equivalents.
func ParseRole(s string) (Role, bool) {
	switch s {
	case "一把手", "head":
		return RoleHead, true
	case "联络员", "contact":
		return RoleContact, true
	case "督办组长", "督办组组长", "组长", "leader":
		return RoleLeader, true
	case "编办", "admin":
		return RoleAdmin, true
	}
	return "", false
}

// Post binds a role to its scope: a unit code for 一把手 and 联络员, a group
// name for 督办组长, empty for 编办.
type Post struct {
	Role  Role   `json:"role"`
	Scope string `json:"scope,omitempty"`
}

// Person is a WeCom member known to duban. One person may hold several posts
// (a group leader who also heads a unit, a contact for two units).
type Person struct {
	UserID string `json:"userid"` // WeCom userid
	Name   string `json:"name"`
	Posts  []Post `json:"posts"`
}

// Has reports whether p holds role in scope.
func (p Person) Has(role Role, scope string) bool {
	return slices.Contains(p.Posts, Post{Role: role, Scope: scope})
}

// IsAdmin reports whether p is 编办 staff.
func (p Person) IsAdmin() bool { return p.Has(RoleAdmin, "") }

// Units returns the codes of the units p heads or liaises for.
func (p Person) Units() []string {
	var codes []string
	for _, post := range p.Posts {
		if (post.Role == RoleHead || post.Role == RoleContact) && !slices.Contains(codes, post.Scope) {
			codes = append(codes, post.Scope)
		}
	}
	return codes
}

// Groups returns the names of the groups p leads.
func (p Person) Groups() []string {
	var names []string
	for _, post := range p.Posts {
		if post.Role == RoleLeader {
			names = append(names, post.Scope)
		}
	}
	return names
}

// CanReport reports whether p may report on the tasks of unit u: its head,
// its contact, or 编办.
func (p Person) CanReport(u Unit) bool {
	return p.IsAdmin() || p.Has(RoleHead, u.Code) || p.Has(RoleContact, u.Code)
}

// CanSupervise reports whether p may verify, reject and decide extensions for
// the tasks of unit u: the leader of u's group, or 编办.
func (p Person) CanSupervise(u Unit) bool {
	return p.IsAdmin() || p.Has(RoleLeader, u.Group)
}

// RolesFor returns p's posts that concern unit u, in ladder order: 联络员 or
// 一把手 of u, leader of u's group, 编办. It is what a card says of the
// person who asked ("赵杰（联络员）").
func (p Person) RolesFor(u Unit) []Role {
	var roles []Role
	for _, r := range Roles {
		scope := u.Code
		switch r {
		case RoleLeader:
			scope = u.Group
		case RoleAdmin:
			scope = ""
		}
		if p.Has(r, scope) {
			roles = append(roles, r)
		}
	}
	return roles
}

// CanSee reports whether p may read the tasks of unit u.
func (p Person) CanSee(u Unit) bool { return p.CanReport(u) || p.CanSupervise(u) }

// Ledger is the whole task list at one instant: what an import reads, what an
// export writes, and what the reminder planner plans from.
type Ledger struct {
	Units  []Unit
	People []Person
	Tasks  []Task
}

// Groups returns the distinct group names of the units, in first-seen order.
func (l Ledger) Groups() []string {
	var names []string
	for _, u := range l.Units {
		if !slices.Contains(names, u.Group) {
			names = append(names, u.Group)
		}
	}
	return names
}
