package i18n

var sv = map[string]any{}
