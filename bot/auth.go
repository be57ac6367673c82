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

// ErrBadCode is returned (wrapped) by UserIDFromCode when WeCom refuses the
// code itself: unknown, used or expired (40029).
var ErrBadCode = errors.New("wecom auth/getuserinfo: the login code is invalid, used or expired")

// codeBadOAuthCode is WeCom's errcode for a code it does not accept.
const codeBadOAuthCode = 40029

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
		if ae, ok := errors.AsType[*APIError](err); ok && ae.Code == codeBadOAuthCode {
			return "", fmt.Errorf("%w: %w", ErrBadCode, err)
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
