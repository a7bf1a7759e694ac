package passkey

import (
	"embed"
	"io/fs"
)

// ScriptName is the file name of the browser helper inside Static.
const ScriptName = "webauthn.js"

//go:embed static/webauthn.js
var static embed.FS

// Static returns the browser files (ScriptName) for the hosted pages to
// serve, for example under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}
