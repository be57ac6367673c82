package wecomtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// An error is answered as WeCom answers it: HTTP 200, errcode and errmsg
// in the body and the headers, errmsg carrying the hint, the caller's IP
// and the code's page.
func TestErrorWireFormat(t *testing.T) {
	s := New(t)
	s.RefuseMessages(48002)
	resp, err := http.Get(s.URL + "/cgi-bin/gettoken?corpid=" + s.CorpID + "&corpsecret=" + s.Secret)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	resp, err = http.Post(s.URL+"/cgi-bin/message/send?access_token="+tok.AccessToken, "application/json",
		strings.NewReader(`{"touser":"u1","msgtype":"text","agentid":1000002,"text":{"content":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^api forbidden, hint: \[\d+\], from ip: 127\.0\.0\.1, more info at https://open\.work\.weixin\.qq\.com/devtool/query\?e=48002$`)
	if resp.StatusCode != 200 || body.ErrCode != 48002 || !re.MatchString(body.ErrMsg) {
		t.Errorf("answer %d %+v", resp.StatusCode, body)
	}
	if resp.Header.Get("Error-Code") != "48002" || resp.Header.Get("Error-Msg") != body.ErrMsg {
		t.Errorf("headers %v", resp.Header)
	}
}
