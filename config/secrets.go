package config

import (
	"fmt"
	"os"
	"strings"
)

// secret is one secret key of the configuration and its *_file key.
type secret struct {
	key, fileKey string
	value, file  *string
}

func (c *Config) secrets() []secret {
	return []secret{
		{"wecom.secret", "wecom.secret_file", &c.WeCom.Secret, &c.WeCom.SecretFile},
		{"wecom.token", "wecom.token_file", &c.WeCom.Token, &c.WeCom.TokenFile},
		{"wecom.encoding_aes_key", "wecom.encoding_aes_key_file", &c.WeCom.EncodingAESKey, &c.WeCom.EncodingAESKeyFile},
		{"llm.api_key", "llm.api_key_file", &c.LLM.APIKey, &c.LLM.APIKeyFile},
	}
}

// readSecretFiles sets each secret whose *_file key names a file from that
// file's content, trimmed of surrounding white space (a trailing newline is
// usual). A relative path is taken from the working directory, as every
// path of the configuration is.
func (c *Config) readSecretFiles() error {
	for _, s := range c.secrets() {
		if *s.file == "" {
			continue
		}
		line := keyLine(c.raw, strings.Split(s.fileKey, "."))
		if *s.value != "" {
			return fmt.Errorf("%s，%s：%s 和 %s 只能写一个", at(c.File, line), s.fileKey, s.key, s.fileKey)
		}
		b, err := os.ReadFile(*s.file)
		if err != nil {
			return fmt.Errorf("%s，%s：%w", at(c.File, line), s.fileKey, readError(*s.file, err))
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return fmt.Errorf("%s，%s：文件 %s 是空的", at(c.File, line), s.fileKey, *s.file)
		}
		*s.value = v
		if readableByOthers(*s.file) {
			c.Warnings = append(c.Warnings, fmt.Sprintf("secret file %s (%s) can be read by every user of this machine: chmod o-r %s", *s.file, s.fileKey, *s.file))
		}
	}
	return nil
}

// warnReadable adds a warning when the configuration file holds a secret
// and other users of the machine can read it.
func (c *Config) warnReadable() {
	var held []string
	for _, s := range c.secrets() {
		if *s.value != "" {
			held = append(held, s.key)
		}
	}
	if c.Web.SessionKey != "" {
		held = append(held, "web.session_key") // signs the pages' login sessions
	}
	if len(held) > 0 && readableByOthers(c.File) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("config file %s holds secrets (%s) and can be read by every user of this machine: chmod o-r %s, or move the secrets to *_file keys or the environment",
			c.File, strings.Join(held, ", "), c.File))
	}
}

func readableByOthers(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o004 != 0
}
