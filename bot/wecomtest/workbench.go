package wecomtest

// The workbench tile (工作台自定义展示): agent/set_workbench_template and
// agent/set_workbench_data, keydata only, with WeCom's limit of 10
// set_workbench_data calls a minute per person (45009 past it).

import (
	"encoding/json"
	"net/http"
	"time"
)

// WorkbenchDataLimit is WeCom's limit of set_workbench_data calls per
// person per minute.
const WorkbenchDataLimit = 10

// WorkbenchItem is one keydata figure.
type WorkbenchItem struct {
	Key     string `json:"key"`
	Data    string `json:"data"`
	JumpURL string `json:"jump_url"`
}

// WorkbenchTemplate is an accepted set_workbench_template call.
type WorkbenchTemplate struct {
	AgentID int    `json:"agentid"`
	Type    string `json:"type"`
	KeyData struct {
		Items []WorkbenchItem `json:"items"`
	} `json:"keydata"`
	ReplaceUserData bool `json:"replace_user_data"`
}

// WorkbenchData is an accepted set_workbench_data call.
type WorkbenchData struct {
	AgentID int    `json:"agentid"`
	UserID  string `json:"userid"`
	Type    string `json:"type"`
	KeyData struct {
		Items []WorkbenchItem `json:"items"`
	} `json:"keydata"`
	At time.Time `json:"-"` // by the fake's clock
}

type workbench struct {
	templates []WorkbenchTemplate
	data      []WorkbenchData
	calls     map[string][]time.Time // per userid, accepted or refused
	refused   int
}

func (s *Server) routeWorkbench(mux *http.ServeMux) {
	mux.HandleFunc("POST /cgi-bin/agent/set_workbench_template", s.workbenchTemplate)
	mux.HandleFunc("POST /cgi-bin/agent/set_workbench_data", s.workbenchData)
}

// WorkbenchTemplates returns the accepted template calls, in order.
func (s *Server) WorkbenchTemplates() []WorkbenchTemplate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WorkbenchTemplate(nil), s.wb.templates...)
}

// WorkbenchData returns the accepted per-person calls, in order.
func (s *Server) WorkbenchData() []WorkbenchData {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WorkbenchData(nil), s.wb.data...)
}

// WorkbenchRefused counts set_workbench_data calls refused for the rate limit.
func (s *Server) WorkbenchRefused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wb.refused
}

// tokenOK answers the token errors WeCom gives; s.mu is held.
func (s *Server) tokenOK(w http.ResponseWriter, r *http.Request) bool {
	valid, known := s.tokens[r.URL.Query().Get("access_token")]
	switch {
	case !known:
		apiError(w, 40014, "invalid access_token")
		return false
	case !valid:
		apiError(w, 42001, "access_token expired")
		return false
	}
	return true
}

func keyDataOK(w http.ResponseWriter, agentID, want int, typ string, n int) bool {
	switch {
	case agentID != want:
		apiError(w, 40056, "invalid agentid")
		return false
	case typ != "keydata":
		apiError(w, 40058, "invalid type")
		return false
	case n == 0 || n > 4:
		apiError(w, 40058, "keydata items must be 1 to 4")
		return false
	}
	return true
}

func (s *Server) workbenchTemplate(w http.ResponseWriter, r *http.Request) {
	var v WorkbenchTemplate
	if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
		apiError(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tokenOK(w, r) || !keyDataOK(w, v.AgentID, s.AgentID, v.Type, len(v.KeyData.Items)) {
		return
	}
	s.wb.templates = append(s.wb.templates, v)
	if v.ReplaceUserData {
		s.wb.data = nil
	}
	s.changedLocked()
	apiError(w, 0, "ok")
}

func (s *Server) workbenchData(w http.ResponseWriter, r *http.Request) {
	var v WorkbenchData
	if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
		apiError(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tokenOK(w, r) || !keyDataOK(w, v.AgentID, s.AgentID, v.Type, len(v.KeyData.Items)) {
		return
	}
	if v.UserID == "" {
		apiError(w, 40003, "invalid userid")
		return
	}
	now := s.Now()
	if s.wb.calls == nil {
		s.wb.calls = map[string][]time.Time{}
	}
	recent := s.wb.calls[v.UserID][:0:0]
	for _, at := range s.wb.calls[v.UserID] {
		if now.Sub(at) < time.Minute {
			recent = append(recent, at)
		}
	}
	s.wb.calls[v.UserID] = append(recent, now)
	if len(recent) >= WorkbenchDataLimit {
		s.wb.refused++
		apiError(w, 45009, "api freq out of limit")
		return
	}
	v.At = now
	s.wb.data = append(s.wb.data, v)
	s.changedLocked()
	apiError(w, 0, "ok")
}
