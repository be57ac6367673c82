package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

const opUserInfo = "auth/getuserinfo"

// userInfoResult is WeCom's answer to auth/getuserinfo: a member has a
// userid; someone outside the corp only an openid.
type userInfoResult struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	UserID  string `json:"userid"`
	OpenID  string `json:"openid"`
}

func (r *userInfoResult) code() (int, string) { return r.ErrCode, r.ErrMsg }

// ErrNotMember is returned by UserIDFromCode when the code belongs to
// someone outside the corp (WeCom gives an openid, no userid).
var ErrNotMember = errors.New("wecom auth/getuserinfo: not a member of the corp")

// UserIDFromCode exchanges a web login code (网页授权) for the member's
// userid at /cgi-bin/auth/getuserinfo, with the app's access token,
// renewed once when WeCom refuses it. A code is good for one exchange
// within five minutes; a used, expired or unknown one is an *APIError.
func (c *WeComClient) UserIDFromCode(ctx context.Context, code string) (string, error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return "", err
		}
		const path = "/cgi-bin/auth/getuserinfo"
		req, err := c.request(ctx, http.MethodGet, path, url.Values{"access_token": {tok}, "code": {code}}, nil)
		if err != nil {
			return "", fmt.Errorf("wecom %s: %w", opUserInfo, err)
		}
		var res userInfoResult
		err = c.do(opUserInfo, path, req, &res)
		if ae, ok := errors.AsType[*APIError](err); ok && isTokenCode(ae.Code) && attempt == 0 {
			c.invalidate(ctx, tok)
			continue
		}
		if err != nil {
			return "", err
		}
		if res.UserID == "" {
			return "", ErrNotMember
		}
		return res.UserID, nil
	}
}
