package bot

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/silenceper/wechat/v2/util"
)

// Reasons a callback is refused. They are matched with errors.Is by the
// handler to choose the status code, and never shown to the caller.
var (
	errBadSignature = errors.New("bad msg_signature")
	errStale        = errors.New("timestamp outside the accepted window")
	errMalformed    = errors.New("malformed callback")
	errDecrypt      = errors.New("cannot decrypt")
)

// crypter implements WXBizMsgCrypt for one app.
type crypter struct {
	token  string
	aesKey string // EncodingAESKey, 43 characters
	corpID string
}

func newCrypter(token, encodingAESKey, corpID string) (*crypter, error) {
	if token == "" || corpID == "" {
		return nil, errors.New("wecom callback: token and corp id are required")
	}
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("wecom callback: EncodingAESKey must be 43 characters, got %d", len(encodingAESKey))
	}
	if k, err := base64.StdEncoding.DecodeString(encodingAESKey + "="); err != nil || len(k) != 32 {
		return nil, errors.New("wecom callback: EncodingAESKey is not valid base64 of 32 bytes")
	}
	return &crypter{token: token, aesKey: encodingAESKey, corpID: corpID}, nil
}

// verify checks msg_signature = sha1(sort(token, timestamp, nonce, encrypted))
// in constant time.
func (c *crypter) verify(signature, timestamp, nonce, encrypted string) error {
	want := util.Signature(c.token, timestamp, nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(want), []byte(signature)) != 1 {
		return errBadSignature
	}
	return nil
}

// decrypt opens encrypted and checks that it was sealed for our corp id.
// util.DecryptMsg recovers its own panics and checks the receiver id.
func (c *crypter) decrypt(encrypted string) ([]byte, error) {
	_, plain, err := util.DecryptMsg(c.corpID, encrypted, c.aesKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errDecrypt, err)
	}
	return plain, nil
}
