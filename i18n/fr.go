package i18n

var fr = map[string]any{}
