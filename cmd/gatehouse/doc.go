// Gatehouse is an OpenID Connect provider with hosted sign-in pages, in one
// binary, keeping its data in an embedded bbolt file.
//
// Usage:
//
//	gatehouse [serve] [--config FILE]
//	gatehouse user create --email E --name N --password-stdin
//	gatehouse user list
//	gatehouse client create --name N --redirect-uri U [flags]
//	gatehouse client list
//	gatehouse account create|list|show|suspend|activate|deactivate|transfer-ownership|set-policy ...
//	gatehouse member add|list|set-role|remove ACCOUNT_ID ...
//	gatehouse vat check NUMBER [--country CC] [--json]
//	gatehouse version
//	gatehouse help
//
// This package is the only place that wires the others together: it reads
// the configuration (config.example.yaml documents every key), opens the
// storage backend, and mounts the hosted pages (package login) before the
// OpenID provider (package provider) on one router. While it serves, an
// admin socket in the data directory lets the user, client, account and member
// commands work
// even though bbolt allows only one process per file.
package main
