package lessons

import (
	"strings"
	"testing"
)

func TestWhyNotRunnable(t *testing.T) {
	server := CodeBlock{Lang: "js", Text: "const express = require('express');\nconst { join } = require('node:path');\n" +
		"import helmet from 'helmet';\nimport x from './local.js';\nconst fs = require('fs/promises');\napp.listen(3000);\n"}
	why := server.WhyNotRunnable()
	if !strings.Contains(why, "npm packages that are not installed here (express, helmet)") || !strings.Contains(why, "keeps running") {
		t.Errorf("whyNotRunnable = %q", why)
	}
	if pkgs := npmPackages("import x from '@scope/pkg/sub'; require('events')"); len(pkgs) != 1 || pkgs[0] != "@scope/pkg" {
		t.Errorf("npmPackages = %v", pkgs)
	}
}
