package main

import (
	"errors"
	"fmt"
	"syscall"
)

// listenError says in Chinese why serve cannot listen on addr (the value of
// the configuration key key). The system's own words are added only for a
// cause not named here.
func listenError(addr, key string, err error) error {
	var why string
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		why = "端口已被占用（另一个 duban serve 或其他程序正在使用）"
	case errors.Is(err, syscall.EACCES):
		why = "没有权限（1024 以下的端口需要特权：请改用更高的端口，由反向代理转发）"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		why = "本机没有这个地址"
	default:
		why = "请检查地址是否正确（" + err.Error() + "）"
	}
	return &listenErr{msg: fmt.Sprintf("无法监听 %s（%s）：%s", addr, key, why), err: err}
}

type listenErr struct {
	msg string
	err error
}

func (e *listenErr) Error() string { return e.msg }
func (e *listenErr) Unwrap() error { return e.err }
