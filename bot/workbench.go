package bot

import "context"

const (
	opWorkbenchTemplate = "agent/set_workbench_template"
	opWorkbenchData     = "agent/set_workbench_data"
)

// WorkbenchItem is one figure of a keydata workbench tile (工作台自定义展示):
// a short name, its value, and the page it opens.
type WorkbenchItem struct {
	Key     string `json:"key"`
	Data    string `json:"data"`
	JumpURL string `json:"jump_url,omitempty"`
}

type workbenchKeyData struct {
	Items []WorkbenchItem `json:"items"`
}

// SetWorkbenchTemplate sets the app's workbench tile to keydata with items
// (at most four), shown to whoever has no figures of their own; with
// replaceUserData, figures set earlier per person are dropped.
func (c *WeComClient) SetWorkbenchTemplate(ctx context.Context, items []WorkbenchItem, replaceUserData bool) error {
	body := struct {
		AgentID         int              `json:"agentid"`
		Type            string           `json:"type"`
		KeyData         workbenchKeyData `json:"keydata"`
		ReplaceUserData bool             `json:"replace_user_data"`
	}{c.agentID, "keydata", workbenchKeyData{items}, replaceUserData}
	var res SendResult
	return c.post(ctx, opWorkbenchTemplate, "/cgi-bin/agent/set_workbench_template", body, &res)
}

// SetWorkbenchData sets userid's own figures on the keydata tile. WeCom
// takes at most 10 such calls a minute per person.
func (c *WeComClient) SetWorkbenchData(ctx context.Context, userid string, items []WorkbenchItem) error {
	body := struct {
		AgentID int              `json:"agentid"`
		UserID  string           `json:"userid"`
		Type    string           `json:"type"`
		KeyData workbenchKeyData `json:"keydata"`
	}{c.agentID, userid, "keydata", workbenchKeyData{items}}
	var res SendResult
	return c.post(ctx, opWorkbenchData, "/cgi-bin/agent/set_workbench_data", body, &res)
}
