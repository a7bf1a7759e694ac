package i18n

var fi = map[string]any{}
