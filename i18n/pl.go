package i18n

var pl = map[string]any{}
