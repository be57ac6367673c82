package main

import (
	"reflect"
	"testing"

	"github.com/duban-org/duban/config"
	"github.com/duban-org/duban/remind"
)

// The example documents the defaults: loading it must give exactly them.
func TestExampleConfigRemindIsDefault(t *testing.T) {
	c, err := config.Load("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	p := remind.Defaults()
	if err := c.DecodeRemind(&p); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, remind.Defaults()) {
		t.Errorf("[remind] in config.example.toml differs from remind.Defaults():\n%+v\n%+v", p, remind.Defaults())
	}
}
