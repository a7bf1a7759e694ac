package i18n

var es = map[string]any{}
